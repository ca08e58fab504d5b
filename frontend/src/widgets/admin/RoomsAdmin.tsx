import { useState } from 'react';
import { useI18n } from '@/shared/i18n/context';
import { DEFAULT_PAGE_SIZE, deleteRoom, listRooms } from '@/shared/api/admin/endpoints';
import type { AdminRoom } from '@/shared/api/admin/schemas';
import { RoomEditor } from '@/features/admin/RoomEditor';
import { formatStamp } from './format';
import { AdminSection, Field, FilterForm, PagedAdminTable, RowAction } from './AdminTable';
import { DeleteConfirm } from './parts';
import { useAction } from './useAction';
import { useLoad } from './useLoad';

export function RoomsAdmin() {
  const { t, locale } = useI18n();
  const [draft, setDraft] = useState('');
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<AdminRoom | null>(null);
  const [deleting, setDeleting] = useState<AdminRoom | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const query = { q, page, page_size: DEFAULT_PAGE_SIZE };
  const list = useLoad((signal) => listRooms(query, signal), JSON.stringify(query));
  const removal = useAction((done) => {
    setNotice(done);
    setDeleting(null);
    list.reload();
  });

  const onSearch = () => {
    setQ(draft);
    setPage(1);
  };

  const confirmDelete = (room: AdminRoom) =>
    removal.run(async () => {
      const count = await deleteRoom(room.id);
      return t('admin.rooms.deleted', { room: room.slug, count });
    });

  return (
    <AdminSection id="admin-rooms-title" title={t('admin.tab.rooms')}>
      <FilterForm search onApply={onSearch}>
        <Field id="rooms-q" label={t('admin.rooms.search')} wide>
          <input id="rooms-q" type="search" value={draft} onChange={(e) => setDraft(e.target.value)} />
        </Field>
      </FilterForm>
      <PagedAdminTable
        label={t('admin.tab.rooms')}
        notice={notice}
        list={list}
        page={page}
        onPage={setPage}
        head={
          <>
            <th scope="col">{t('admin.rooms.slug')}</th>
            <th scope="col">{t('admin.rooms.name')}</th>
            <th scope="col">{t('admin.rooms.owner')}</th>
            <th scope="col">{t('admin.rooms.created')}</th>
            <th scope="col">{t('admin.rooms.messages')}</th>
            <th scope="col">{t('admin.actions')}</th>
          </>
        }
        row={(r: AdminRoom) => (
          <tr key={r.id} data-testid="admin-room-row">
            <td>
              <code>{r.slug}</code>
            </td>
            <td>{r.name}</td>
            <td>{r.owner ?? <span className="muted">{t('admin.rooms.noOwner')}</span>}</td>
            <td>{formatStamp(r.created_at, locale)}</td>
            <td className="num">{r.message_count}</td>
            <td className="actions">
              <RowAction label={t('admin.edit')} name={r.slug} onClick={() => setEditing(r)} />
              <RowAction
                label={t('admin.delete')}
                name={r.slug}
                danger
                onClick={() => {
                  removal.clearError();
                  setDeleting(r);
                }}
              />
            </td>
          </tr>
        )}
      />

      {editing && (
        <RoomEditor
          room={editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            setNotice(t('admin.rooms.saved'));
            list.reload();
          }}
        />
      )}
      {deleting && (
        <DeleteConfirm
          title={t('admin.rooms.deleteTitle')}
          message={<p>{t('admin.rooms.deleteConfirm', { room: deleting.name ? `${deleting.name} (${deleting.slug})` : deleting.slug, count: deleting.message_count })}</p>}
          busy={removal.busy}
          error={removal.error}
          onConfirm={() => void confirmDelete(deleting)}
          onCancel={() => setDeleting(null)}
        />
      )}
    </AdminSection>
  );
}
