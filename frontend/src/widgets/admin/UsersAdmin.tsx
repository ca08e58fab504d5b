import { useState } from 'react';
import { useI18n } from '@/shared/i18n/context';
import { useSession } from '@/entities/session/context';
import { DEFAULT_PAGE_SIZE, deleteUser, listUsers, type UserSort } from '@/shared/api/admin/endpoints';
import type { AdminUser } from '@/shared/api/admin/schemas';
import { UserEditor } from '@/features/admin/UserEditor';
import { CreateUserDialog } from '@/features/admin/CreateUserDialog';
import { formatStamp, localZoneName } from './format';
import { DeleteConfirm, SortHeader, TriSelect, YesNo } from './parts';
import { AdminSection, Field, FilterForm, PagedAdminTable, RowAction } from './AdminTable';
import { useAction } from './useAction';
import { useLoad } from './useLoad';
import { emptyUserDraft as emptyDraft, userFiltersFrom, type UserDraft as Draft } from './filters';

function nextSort(current: UserSort, column: 'username' | 'date_joined' | 'last_login'): UserSort {
  if (column === 'username') return current === 'username' ? '-username' : 'username';
  // dates: newest first on the first click
  return current === `-${column}` ? column : `-${column}`;
}

function dirOf(current: UserSort, column: string): 'asc' | 'desc' | null {
  if (current === column) return 'asc';
  if (current === `-${column}`) return 'desc';
  return null;
}

export function UsersAdmin() {
  const { t, locale } = useI18n();
  const { user: viewer } = useSession();
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [applied, setApplied] = useState<Draft>(emptyDraft);
  const [sort, setSort] = useState<UserSort>('-date_joined');
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<AdminUser | null>(null);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<AdminUser | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const query = { ...userFiltersFrom(applied, sort), page, page_size: DEFAULT_PAGE_SIZE };
  const list = useLoad((signal) => listUsers(query, signal), JSON.stringify(query));
  const removal = useAction((done) => {
    setNotice(done);
    setDeleting(null);
    list.reload();
  });

  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));
  const onApply = () => {
    setApplied(draft);
    setPage(1);
  };
  const onReset = () => {
    setDraft(emptyDraft);
    setApplied(emptyDraft);
    setPage(1);
  };
  const sortBy = (col: 'username' | 'date_joined' | 'last_login') => {
    setSort((s) => nextSort(s, col));
    setPage(1);
  };

  const confirmDelete = (u: AdminUser) =>
    removal.run(async () => {
      await deleteUser(u.id);
      return t('admin.users.deleted', { user: u.username });
    });

  if (!viewer) return null;
  const stamp = (iso: string | null) => (iso ? formatStamp(iso, locale) : t('admin.never'));
  return (
    <AdminSection
      id="admin-users-title"
      title={t('admin.tab.users')}
      action={
        <button type="button" className="button button--primary" onClick={() => setCreating(true)}>
          {t('admin.users.create')}
        </button>
      }
    >
      <FilterForm onApply={onApply} onReset={onReset}>
        <Field id="users-q" label={t('admin.users.search')} wide>
          <input id="users-q" type="search" value={draft.q} onChange={(e) => set('q', e.target.value)} />
        </Field>
        <TriSelect id="users-active" label={t('admin.users.active')} value={draft.active} onChange={(v) => set('active', v)} />
        <TriSelect id="users-staff" label={t('admin.users.staff')} value={draft.staff} onChange={(v) => set('staff', v)} />
        <TriSelect id="users-superuser" label={t('admin.users.superuser')} value={draft.superuser} onChange={(v) => set('superuser', v)} />
        <Field id="users-joined-from" label={t('admin.users.joinedFrom')}>
          <input id="users-joined-from" type="date" value={draft.joinedFrom} onChange={(e) => set('joinedFrom', e.target.value)} />
        </Field>
        <Field id="users-joined-to" label={t('admin.users.joinedTo')}>
          <input id="users-joined-to" type="date" value={draft.joinedTo} onChange={(e) => set('joinedTo', e.target.value)} />
        </Field>
      </FilterForm>
      <p className="muted small">{t('admin.zone', { zone: localZoneName() })}</p>
      <PagedAdminTable
        label={t('admin.tab.users')}
        notice={notice}
        list={list}
        page={page}
        onPage={setPage}
        head={
          <>
            <SortHeader label={t('admin.users.username')} dir={dirOf(sort, 'username')} onClick={() => sortBy('username')} />
            <th scope="col">{t('admin.users.email')}</th>
            <th scope="col">{t('admin.users.active')}</th>
            <th scope="col">{t('admin.users.staff')}</th>
            <th scope="col">{t('admin.users.superuser')}</th>
            <SortHeader label={t('admin.users.joined')} dir={dirOf(sort, 'date_joined')} onClick={() => sortBy('date_joined')} />
            <SortHeader label={t('admin.users.lastLogin')} dir={dirOf(sort, 'last_login')} onClick={() => sortBy('last_login')} />
            <th scope="col">{t('admin.users.lastSeen')}</th>
            <th scope="col">{t('admin.actions')}</th>
          </>
        }
        row={(u: AdminUser) => (
          <tr key={u.id} data-testid="admin-user-row">
            <td>{u.username}</td>
            <td>{u.email}</td>
            <td>
              <YesNo value={u.is_active} />
            </td>
            <td>
              <YesNo value={u.is_staff} />
            </td>
            <td>
              <YesNo value={u.is_superuser} />
            </td>
            <td>{stamp(u.date_joined)}</td>
            <td>{stamp(u.last_login)}</td>
            <td>{stamp(u.last_seen)}</td>
            <td>
              <RowAction label={t('admin.edit')} name={u.username} onClick={() => setEditing(u)} />
            </td>
          </tr>
        )}
      />

      {editing && (
        <UserEditor
          key={editing.id}
          user={editing}
          viewer={viewer}
          onClose={() => setEditing(null)}
          onChanged={(u) => {
            setEditing(u);
            list.reload();
          }}
          onDelete={(u) => {
            setEditing(null);
            removal.clearError();
            setDeleting(u);
          }}
        />
      )}
      {creating && (
        <CreateUserDialog
          onClose={() => setCreating(false)}
          onCreated={(u) => {
            setCreating(false);
            setNotice(t('admin.users.created', { user: u.username }));
            list.reload();
          }}
        />
      )}
      {deleting && (
        <DeleteConfirm
          title={t('admin.users.deleteTitle')}
          message={<p>{t('admin.users.deleteConfirm', { user: deleting.username })}</p>}
          busy={removal.busy}
          error={removal.error}
          onConfirm={() => void confirmDelete(deleting)}
          onCancel={() => setDeleting(null)}
        />
      )}
    </AdminSection>
  );
}
