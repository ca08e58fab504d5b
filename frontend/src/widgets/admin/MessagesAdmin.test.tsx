import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setCsrfToken } from '@/shared/api/http';
import { I18nProvider } from '@/shared/i18n/I18nProvider';
import { stubFetch } from '@/test/render';
import { exampleMessage } from '@/test/adminExamples';
import { page, renderAdmin, urls } from '@/test/adminRender';
import { MessageEditor } from '@/features/admin/MessageEditor';

afterEach(() => {
  setCsrfToken(null);
  vi.unstubAllGlobals();
});

// 06:30:15 UTC = 15:30:15 in Tokyo (the test process runs with TZ=Asia/Tokyo)
const msg = { ...exampleMessage, id: 42, created_at: '2024-03-10T06:30:15+00:00', content: 'hello there' };
const NOW = Date.parse('2024-05-01T00:00:00Z');

function renderEditor() {
  const stub = stubFetch({
    '/api/auth/csrf/': () => ({ body: { csrfToken: 'c'.repeat(64) } }),
    '/api/admin/messages/42/': (_u, init) => ({ body: { ...msg, ...(JSON.parse(init?.body as string) as object) } }),
  });
  vi.stubGlobal('fetch', stub.fn);
  const onSaved = vi.fn();
  render(
    <I18nProvider initialLang="en">
      <MessageEditor message={msg} onClose={() => undefined} onSaved={onSaved} now={() => NOW} />
    </I18nProvider>,
  );
  return { calls: stub.calls, onSaved };
}

const patches = (calls: { url: string; init: RequestInit | undefined }[]) =>
  calls.filter((c) => c.init?.method === 'PATCH').map((c) => JSON.parse(c.init?.body as string) as unknown);

describe('admin: message timestamp editing (TZ=Asia/Tokyo)', () => {
  it('shows the stored time as local wall time and limits the picker to 1970…now', () => {
    renderEditor();
    const input = screen.getByLabelText<HTMLInputElement>('Time');
    expect(input).toHaveAttribute('type', 'datetime-local');
    // jsdom normalises a non-zero seconds value to "…:15.000"; browsers show "…:15"
    expect(input.value).toMatch(/^2024-03-10T15:30:15(\.000)?$/);
    expect(input).toHaveAttribute('max', '2024-05-01T09:00:00');
    expect(input).toHaveAttribute('min', '1970-01-01T09:00:00');
  });

  it('sends the picked local time as ISO with the +09:00 offset, and only the changed field', async () => {
    const { calls, onSaved } = renderEditor();
    fireEvent.change(screen.getByLabelText('Time'), { target: { value: '2024-03-09T08:05:00' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(patches(calls)).toEqual([{ created_at: '2024-03-09T08:05:00+09:00' }]);
    expect(Date.parse('2024-03-09T08:05:00+09:00')).toBe(Date.parse('2024-03-08T23:05:00Z'));
  });

  it('refuses a future time and a time before 1970 without calling the server', async () => {
    const { calls } = renderEditor();
    const input = screen.getByLabelText('Time');
    fireEvent.change(input, { target: { value: '2024-05-01T09:00:01' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('The time cannot be in the future.')).toBeInTheDocument();
    expect(input).toHaveAttribute('aria-invalid', 'true');
    // 1970-01-01 08:59 in Tokyo is still 1969 in UTC
    fireEvent.change(input, { target: { value: '1970-01-01T08:59:00' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('The time cannot be before 1970.')).toBeInTheDocument();
    expect(patches(calls)).toEqual([]);
  });

  it('a text-only edit does not resend the timestamp', async () => {
    const { calls, onSaved } = renderEditor();
    fireEvent.change(screen.getByLabelText('Text'), { target: { value: 'hello, fixed' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(patches(calls)).toEqual([{ content: 'hello, fixed' }]);
  });
});

describe('admin: messages list', () => {
  it('filters build the query (since/until converted from local time); bulk delete is disabled until a filter is applied', async () => {
    const user = userEvent.setup();
    const { calls } = renderAdmin('/admin/messages', {
      '/api/admin/messages/bulk-delete/': () => ({ body: { ok: true, deleted: 2 } }),
      '/api/admin/messages/': () => ({ body: page([msg], 2) }),
    });
    await screen.findByRole('row', { name: /hello there/ });
    const bulk = screen.getByRole('button', { name: 'Delete all matching…' });
    expect(bulk).toBeDisabled();
    expect(bulk).toHaveAccessibleDescription('Apply at least one filter to delete in bulk.');
    expect(urls(calls)).toEqual(['/api/admin/messages/?page=1&page_size=50']);

    // typing alone does not enable bulk delete: only applied filters count
    fireEvent.change(screen.getByLabelText('Room'), { target: { value: 'public' } });
    expect(bulk).toBeDisabled();
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2024-03-01T00:00' } });
    fireEvent.change(screen.getByLabelText('Text, author or room contains'), { target: { value: 'spam' } });
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(urls(calls)).toHaveLength(2));
    expect(urls(calls)[1]).toBe('/api/admin/messages/?room=public&since=2024-03-01T00%3A00%3A00%2B09%3A00&q=spam&page=1&page_size=50');
    expect(bulk).toBeEnabled();

    await user.click(bulk);
    const confirm = screen.getByRole('alertdialog', { name: 'Delete matching messages' });
    const stated = within(confirm).getByTestId('bulk-filters');
    expect(stated).toHaveTextContent('Roompublic');
    expect(stated).toHaveTextContent(/From1 Mar 2024, 00:00:00/);
    expect(stated).toHaveTextContent('spam');
    expect(urls(calls, 'POST')).toEqual([]);
    await user.click(within(confirm).getByRole('button', { name: 'Delete' }));
    await screen.findByText('2 messages deleted.');
    const post = calls.find((c) => c.url === '/api/admin/messages/bulk-delete/');
    expect(JSON.parse(post?.init?.body as string)).toEqual({ room: 'public', since: '2024-03-01T00:00:00+09:00', q: 'spam' });

    await user.click(screen.getByRole('button', { name: 'Reset' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Delete all matching…' })).toBeDisabled());
  });

  it('deleting one message needs a confirmation; the newest-first toggle sorts', async () => {
    const user = userEvent.setup();
    const { calls } = renderAdmin('/admin/messages', {
      '/api/admin/messages/42/': () => ({ body: { ok: true } }),
      '/api/admin/messages/': () => ({ body: page([msg]) }),
    });
    await user.click(await screen.findByRole('button', { name: 'Delete #42' }));
    const confirm = screen.getByRole('alertdialog');
    expect(confirm).toHaveAccessibleDescription(/Delete message #42 by alice in “public”\?/);
    expect(urls(calls, 'DELETE')).toEqual([]);
    await user.click(within(confirm).getByRole('button', { name: 'Delete' }));
    await screen.findByText('Message deleted.');
    expect(urls(calls, 'DELETE')).toEqual(['/api/admin/messages/42/']);

    await user.click(screen.getByLabelText('Newest first'));
    await waitFor(() => expect(urls(calls).at(-1)).toBe('/api/admin/messages/?sort=-created_at&page=1&page_size=50'));
  });

  it('an invalid_filter answer is localised (English and Russian)', async () => {
    renderAdmin('/admin/messages', { '/api/admin/messages/': () => ({ status: 400, body: { error: 'bad since', code: 'invalid_filter' } }) });
    expect(await screen.findByRole('alert')).toHaveTextContent('A filter value is not valid.');
  });
});
