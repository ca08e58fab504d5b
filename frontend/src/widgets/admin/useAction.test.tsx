import { describe, expect, it, vi } from 'vitest';
import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { I18nProvider } from '@/shared/i18n/I18nProvider';
import { ApiError } from '@/shared/api/http';
import { useAction } from './useAction';

const wrapper = ({ children }: { children: ReactNode }) => <I18nProvider initialLang="en">{children}</I18nProvider>;

describe('useAction', () => {
  it('passes the notice on, or keeps the failure for the dialog until cleared', async () => {
    const onDone = vi.fn();
    const { result } = renderHook(() => useAction(onDone), { wrapper });
    await act(() => result.current.run(() => Promise.reject(new ApiError('http', 409, { error: 'x', code: 'public_room' }))));
    expect(onDone).not.toHaveBeenCalled();
    expect(result.current.error).toBe('The public room cannot be deleted.');
    expect(result.current.busy).toBe(false);
    act(() => result.current.clearError());
    expect(result.current.error).toBeNull();
    await act(() => result.current.run(() => Promise.resolve('Done.')));
    expect(onDone).toHaveBeenCalledWith('Done.');
    expect(result.current.error).toBeNull();
  });
});
