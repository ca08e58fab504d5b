import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setCsrfToken } from '@/shared/api/http';
import { exampleAudit, exampleRoom } from '@/test/adminExamples';
import { page, renderAdmin, urls } from '@/test/adminRender';

afterEach(() => {
  setCsrfToken(null);
  vi.unstubAllGlobals();
});

describe('admin: rooms', () => {
  it('search and paging build the query; edit sends name and owner (empty → null)', async () => {
    const user = userEvent.setup();
    const { calls } = renderAdmin('/admin/rooms', {
      '/api/admin/rooms/3/': () => ({ body: { ...exampleRoom, owner: null } }),
      '/api/admin/rooms/': () => ({ body: page([exampleRoom], 51) }),
    });
    await screen.findByRole('row', { name: /abc123def456/ });
    fireEvent.change(screen.getByLabelText('Code or name contains'), { target: { value: 'abc' } });
    await user.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(urls(calls).at(-1)).toBe('/api/admin/rooms/?q=abc&page=1&page_size=50'));
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(urls(calls).at(-1)).toBe('/api/admin/rooms/?q=abc&page=2&page_size=50'));

    await user.click(screen.getByRole('button', { name: 'Edit abc123def456' }));
    const dialog = screen.getByRole('dialog', { name: 'Room “abc123def456”' });
    await user.clear(within(dialog).getByLabelText('Owner'));
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await screen.findByText('Room saved.');
    const patch = calls.find((c) => c.init?.method === 'PATCH');
    expect(JSON.parse(patch?.init?.body as string)).toEqual({ owner: null });
  });

  it('delete asks first, sends ?confirm=true and reports the deleted messages; public_room is localised', async () => {
    const user = userEvent.setup();
    let refuse = true;
    const { calls } = renderAdmin('/admin/rooms', {
      '/api/admin/rooms/3/': () => (refuse ? { status: 409, body: { error: 'x', code: 'public_room' } } : { body: { ok: true, deleted_messages: 12 } }),
      '/api/admin/rooms/': () => ({ body: page([exampleRoom]) }),
    });
    await user.click(await screen.findByRole('button', { name: 'Delete abc123def456' }));
    const confirm = screen.getByRole('alertdialog', { name: 'Delete room' });
    expect(confirm).toHaveAccessibleDescription(/Delete room “Room \(abc123def456\)” and all of its messages \(12\)\?/);
    expect(urls(calls, 'DELETE')).toEqual([]);
    await user.click(within(confirm).getByRole('button', { name: 'Delete' }));
    expect(await within(confirm).findByText('The public room cannot be deleted.')).toBeInTheDocument();
    refuse = false;
    await user.click(within(confirm).getByRole('button', { name: 'Delete' }));
    await screen.findByText('Room “abc123def456” deleted together with 12 messages.');
    expect(urls(calls, 'DELETE')).toEqual(['/api/admin/rooms/3/?confirm=true', '/api/admin/rooms/3/?confirm=true']);
  });
});

describe('admin: audit log', () => {
  it('shows before → after, filters, and loads more with nextBefore', async () => {
    const user = userEvent.setup();
    const older = { ...exampleAudit.results[1], id: 3, at: '2024-04-01T00:00:00+00:00', object_label: 'carol' };
    const { calls } = renderAdmin('/admin/audit', {
      '/api/admin/audit/': (url) => ({ body: url.includes('before=') ? { results: [older], nextBefore: null } : exampleAudit }),
    });
    const row = await screen.findByRole('row', { name: /helo/ });
    expect(row).toHaveTextContent('content: helo → hello');
    // timestamps inside changes are shown in local time (Tokyo)
    expect(row).toHaveTextContent('created_at: 1 May 2024, 19:00:00 → 30 Apr 2024, 19:00:00');
    expect(row).toHaveTextContent('message #99');
    expect(urls(calls)).toEqual(['/api/admin/audit/?limit=50']);

    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByRole('row', { name: /carol/ });
    expect(screen.getAllByTestId('audit-row')).toHaveLength(3);
    expect(urls(calls)[1]).toBe('/api/admin/audit/?before=2024-05-01T08%3A00%3A00%2B00%3A00&limit=50');
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    expect(screen.getByText('No older entries.')).toBeInTheDocument();

    fireEvent.change(screen.getByLabelText('Actor'), { target: { value: 'root' } });
    await user.selectOptions(screen.getByLabelText('Object type'), 'user');
    await user.selectOptions(screen.getByLabelText('Action'), 'delete');
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(urls(calls).at(-1)).toBe('/api/admin/audit/?actor=root&object_type=user&action=delete&limit=50'));
    await waitFor(() => expect(screen.getAllByTestId('audit-row')).toHaveLength(2));
  });
});
