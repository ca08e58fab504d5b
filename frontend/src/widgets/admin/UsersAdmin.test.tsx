import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setCsrfToken } from '@/shared/api/http';
import { exampleUser } from '@/test/adminExamples';
import { page, renderAdmin, root, staff, urls } from '@/test/adminRender';

afterEach(() => {
  setCsrfToken(null);
  vi.unstubAllGlobals();
});

const bob = { ...exampleUser, id: 8, username: 'bob', email: 'bob@example.com', last_seen: '2024-05-01T23:30:00+00:00' };

describe('admin: users', () => {
  it('lists users with times in local time (Tokyo) and builds filter, sort and page queries', async () => {
    const user = userEvent.setup();
    const { calls } = renderAdmin('/admin/users', { '/api/admin/users/': () => ({ body: page([bob], 120) }) });
    const row = await screen.findByRole('row', { name: /bob/ });
    // 2024-05-01T23:30Z is 2 May 08:30 in Tokyo
    expect(within(row).getByText(/2 May 2024.*08:30:00/)).toBeInTheDocument();
    expect(urls(calls)).toEqual(['/api/admin/users/?sort=-date_joined&page=1&page_size=50']);

    fireEvent.change(screen.getByLabelText('Username or email contains'), { target: { value: 'bo' } });
    await user.selectOptions(screen.getByLabelText('Active'), 'false');
    await user.selectOptions(screen.getByLabelText('Staff'), 'true');
    fireEvent.change(screen.getByLabelText('Joined from'), { target: { value: '2024-01-01' } });
    fireEvent.change(screen.getByLabelText('Joined until (inclusive)'), { target: { value: '2024-01-31' } });
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(urls(calls)).toHaveLength(2));
    const q = new URL(`http://x${urls(calls)[1] ?? ''}`).searchParams;
    expect(Object.fromEntries(q)).toEqual({
      q: 'bo',
      is_active: 'false',
      is_staff: 'true',
      joined_after: '2024-01-01T00:00:00+09:00',
      joined_before: '2024-02-01T00:00:00+09:00',
      sort: '-date_joined',
      page: '1',
      page_size: '50',
    });

    await user.click(screen.getByRole('button', { name: 'Username' }));
    await waitFor(() => expect(urls(calls).at(-1)).toContain('sort=username&'));
    expect(screen.getByRole('columnheader', { name: /Username/ })).toHaveAttribute('aria-sort', 'ascending');
    await user.click(screen.getByRole('button', { name: /Username/ }));
    await waitFor(() => expect(urls(calls).at(-1)).toContain('sort=-username&'));

    await screen.findByText(/Page 1 of 3/);
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(urls(calls).at(-1)).toMatch(/page=2&page_size=50$/));
  });

  it('plain staff: staff/superuser flags disabled, no delete; a save sends only the changed field', async () => {
    const user = userEvent.setup();
    const { calls } = renderAdmin(
      '/admin/users',
      {
        '/api/admin/users/': () => ({ body: page([bob]) }),
        '/api/admin/users/8/': () => ({ body: { ...bob, bio: 'new bio' } }),
      },
      { user: staff },
    );
    await user.click(await screen.findByRole('button', { name: 'Edit bob' }));
    const dialog = screen.getByRole('dialog', { name: 'User “bob”' });
    expect(within(dialog).getByLabelText('Staff')).toBeDisabled();
    expect(within(dialog).getByLabelText('Superuser')).toBeDisabled();
    expect(within(dialog).getByLabelText('Active')).toBeEnabled();
    expect(within(dialog).queryByRole('button', { name: 'Delete user' })).toBeNull();
    expect(within(dialog).getByText('Only superusers can delete users.')).toBeInTheDocument();
    fireEvent.change(within(dialog).getByLabelText('About'), { target: { value: 'new bio' } });
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await within(dialog).findByText('User saved.');
    const patch = calls.find((c) => c.init?.method === 'PATCH');
    expect(JSON.parse(patch?.init?.body as string)).toEqual({ bio: 'new bio' });
  });

  it('superuser: flags enabled; deleting needs a confirmation that names the user', async () => {
    const user = userEvent.setup();
    const { calls } = renderAdmin(
      '/admin/users',
      {
        '/api/admin/users/': () => ({ body: page([bob]) }),
        '/api/admin/users/8/': (_url, init) => (init?.method === 'DELETE' ? { body: { ok: true } } : { body: bob }),
      },
      { user: root },
    );
    await user.click(await screen.findByRole('button', { name: 'Edit bob' }));
    const dialog = screen.getByRole('dialog');
    expect(within(dialog).getByLabelText('Staff')).toBeEnabled();
    expect(within(dialog).getByLabelText('Superuser')).toBeEnabled();
    await user.click(within(dialog).getByRole('button', { name: 'Delete user' }));
    const confirm = screen.getByRole('alertdialog', { name: 'Delete user' });
    expect(confirm).toHaveAccessibleDescription(/Delete user “bob”\?/);
    expect(urls(calls, 'DELETE')).toEqual([]);
    // Cancel has the focus; Escape closes without deleting
    expect(within(confirm).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(urls(calls, 'DELETE')).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Edit bob' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete user' }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Delete' }));
    await screen.findByText('User “bob” deleted.');
    expect(urls(calls, 'DELETE')).toEqual(['/api/admin/users/8/']);
  });

  it('set password checks both fields match before sending; the last-superuser refusal is localised', async () => {
    const user = userEvent.setup();
    const { calls } = renderAdmin(
      '/admin/users',
      {
        '/api/admin/users/': () => ({ body: page([bob]) }),
        '/api/admin/users/8/password/': () => ({ body: { ok: true } }),
        '/api/admin/users/8/': () => ({ status: 409, body: { error: 'Нельзя', code: 'last_superuser' } }),
      },
      { user: root },
    );
    await user.click(await screen.findByRole('button', { name: 'Edit bob' }));
    const dialog = screen.getByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('Password'), { target: { value: 'Secret-123456' } });
    fireEvent.change(within(dialog).getByLabelText('Repeat password'), { target: { value: 'Secret-12345x' } });
    await user.click(within(dialog).getByRole('button', { name: 'Set password' }));
    expect(within(dialog).getByText('Passwords do not match.')).toBeInTheDocument();
    expect(urls(calls, 'POST')).toEqual([]);
    fireEvent.change(within(dialog).getByLabelText('Repeat password'), { target: { value: 'Secret-123456' } });
    await user.click(within(dialog).getByRole('button', { name: 'Set password' }));
    await within(dialog).findByText(/Password changed/);
    const post = calls.find((c) => c.url === '/api/admin/users/8/password/');
    expect(JSON.parse(post?.init?.body as string)).toEqual({ password1: 'Secret-123456', password2: 'Secret-123456' });

    await user.click(within(dialog).getByLabelText('Active'));
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText(/last active superuser/)).toBeInTheDocument();
    expect(dialog).not.toHaveTextContent('Нельзя');
  });

  it('dialogs trap focus: Tab from the last control returns to the first', async () => {
    const user = userEvent.setup();
    renderAdmin('/admin/users', { '/api/admin/users/': () => ({ body: page([bob]) }) });
    const opener = await screen.findByRole('button', { name: 'Create user' });
    await user.click(opener);
    const dialog = screen.getByRole('dialog', { name: 'Create user' });
    const close = within(dialog).getByRole('button', { name: 'Close' });
    expect(within(dialog).getByLabelText('Username')).toHaveFocus();
    within(dialog).getByRole('button', { name: 'Create user' }).focus();
    await user.tab();
    expect(close).toHaveFocus();
    await user.tab({ shift: true });
    expect(within(dialog).getByRole('button', { name: 'Create user' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(opener).toHaveFocus();
  });

  it('non-staff users see the refusal and no admin request is made', () => {
    const { calls } = renderAdmin('/admin/users', {}, { user: { ...staff, is_staff: false } });
    expect(screen.getByRole('alert')).toHaveTextContent('This page is for staff only.');
    expect(urls(calls)).toEqual([]);
  });

  it('a 403 staff_required answer is shown as localised text, never as JSON (Russian)', async () => {
    renderAdmin('/admin/users', { '/api/admin/users/': () => ({ status: 403, body: { error: 'Forbidden', code: 'staff_required' } }) }, { lang: 'ru' });
    expect(await screen.findByText('Эта страница только для сотрудников.')).toBeInTheDocument();
    expect(document.body).not.toHaveTextContent('Forbidden');
    expect(document.body).not.toHaveTextContent('{');
  });
});
