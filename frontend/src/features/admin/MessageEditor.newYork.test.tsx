import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { setCsrfToken } from '@/shared/api/http';
import { I18nProvider } from '@/shared/i18n/I18nProvider';
import { stubFetch } from '@/test/render';
import { exampleMessage } from '@/test/adminExamples';
import { MessageEditor } from './MessageEditor';

// The rest of the suite runs with TZ=Asia/Tokyo; this file switches the process zone to New York
// (Node re-reads TZ when the variable is assigned) to check the picker on the other side of UTC, across DST.
beforeAll(() => {
  vi.stubEnv('TZ', 'America/New_York');
});
afterAll(() => {
  vi.unstubAllEnvs();
  setCsrfToken(null);
  vi.unstubAllGlobals();
});

describe('message timestamp picker in America/New_York', () => {
  it('the process zone really is New York here', () => {
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe('America/New_York');
    expect(new Date('2024-01-15T12:00:00Z').getTimezoneOffset()).toBe(300);
  });

  it('shows winter time at −05:00 and sends a summer pick with −04:00', async () => {
    const stub = stubFetch({
      '/api/auth/csrf/': () => ({ body: { csrfToken: 'c'.repeat(64) } }),
      '/api/admin/messages/': (_u, init) => ({ body: { ...exampleMessage, ...(JSON.parse(init?.body as string) as object) } }),
    });
    vi.stubGlobal('fetch', stub.fn);
    const onSaved = vi.fn();
    render(
      <I18nProvider initialLang="en">
        <MessageEditor
          message={{ ...exampleMessage, created_at: '2024-01-15T12:00:00+00:00' }}
          onClose={() => undefined}
          onSaved={onSaved}
          now={() => Date.parse('2024-12-01T00:00:00Z')}
        />
      </I18nProvider>,
    );
    const input = screen.getByLabelText<HTMLInputElement>('Time');
    expect(input.value).toMatch(/^2024-01-15T07:00(:00)?$/);
    expect(input).toHaveAttribute('min', '1969-12-31T19:00:00');
    fireEvent.change(input, { target: { value: '2024-07-04T21:15' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const patch = stub.calls.find((c) => c.init?.method === 'PATCH');
    expect(JSON.parse(patch?.init?.body as string)).toEqual({ created_at: '2024-07-04T21:15:00-04:00' });
  });
});
