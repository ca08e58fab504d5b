import { describe, expect, it, vi, afterEach } from 'vitest';
import { act, fireEvent, screen } from '@testing-library/react';
import { Composer } from './Composer';
import { renderApp, alice } from '@/test/render';
import type { SendResult } from '@/entities/message/model';

afterEach(() => {
  vi.useRealTimers();
});

function setup(props: { rateLimitedUntil?: number | null; maxLength?: number; onSend?: (t: string) => SendResult }) {
  const onSend = vi.fn(props.onSend ?? (() => 'sent' as const));
  const utils = renderApp(<Composer onSend={onSend} maxLength={props.maxLength ?? 1000} rateLimitedUntil={props.rateLimitedUntil ?? null} />, { user: alice });
  const input = screen.getByLabelText<HTMLTextAreaElement>('Message');
  return { ...utils, onSend, input };
}

describe('Composer', () => {
  it('sends on Enter and clears the draft; Shift+Enter does not send', () => {
    const { input, onSend } = setup({});
    fireEvent.change(input, { target: { value: 'hello' } });
    fireEvent.keyDown(input, { key: 'Enter', shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('hello');
    expect(input.value).toBe('');
  });

  it('rate-limit countdown blocks sending, keeps the draft, and ends by itself', () => {
    vi.useFakeTimers({ now: new Date('2024-05-01T10:00:00Z') });
    const until = Date.now() + 3000;
    const { input, onSend } = setup({ rateLimitedUntil: until });
    fireEvent.change(input, { target: { value: 'keep me' } });
    expect(screen.getByText(/You can send again in 3 s/)).toBeInTheDocument();
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
    expect(input.value).toBe('keep me');
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
    act(() => {
      vi.advanceTimersByTime(1100);
    });
    expect(screen.getByText(/in 2 s/)).toBeInTheDocument();
    act(() => {
      vi.advanceTimersByTime(2000);
    });
    expect(screen.queryByText(/You can send again/)).not.toBeInTheDocument();
    expect(input.value).toBe('keep me');
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('keep me');
  });

  it('keeps the draft when the hook refuses (rate limited)', () => {
    const { input } = setup({ onSend: () => 'rate_limited' });
    fireEvent.change(input, { target: { value: 'draft' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(input.value).toBe('draft');
  });

  it('shows a code-point counter near the limit and blocks over it', () => {
    const { input, onSend } = setup({ maxLength: 10 });
    fireEvent.change(input, { target: { value: '1234567' } });
    expect(screen.queryByTestId('counter')).not.toBeInTheDocument();
    // 8 emoji = 8 code points (16 UTF-16 units)
    fireEvent.change(input, { target: { value: '😀'.repeat(8) } });
    expect(screen.getByTestId('counter')).toHaveTextContent('8 / 10');
    fireEvent.change(input, { target: { value: '😀'.repeat(11) } });
    expect(screen.getByTestId('counter')).toHaveTextContent('11 / 10');
    expect(screen.getByText('The message is too long (max 10 characters).')).toBeInTheDocument();
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
  });
});
