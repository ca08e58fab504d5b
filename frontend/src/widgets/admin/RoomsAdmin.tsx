import { useState, type SyntheticEvent } from 'react';
import { useI18n } from '@/shared/i18n/context';
import { DEFAULT_PAGE_SIZE, deleteRoom, listRooms } from '@/shared/api/admin/endpoints';
import type { AdminRoom } from '@/shared/api/admin/schemas';
import { ConfirmDialog } from '@/shared/ui/Dialog';
import { RoomEditor } from '@/features/admin/RoomEditor';
import { formatStamp, useErrorText } from './format';
import { Notice, Pagination, TableScroll } from './parts';
import { useLoad } from './useLoad';

export function RoomsAdmin() {
  const { t, locale } = useI18n();
  const describe = useErrorText();
  const [draft, setDraft] = useState('');
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<AdminRoom | null>(null);
  const [deleting, setDeleting] = useState<AdminRoom | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const query = { q, page, page_size: DEFAULT_PAGE_SIZE };
  const list = useLoad((signal) => listRooms(query, signal), JSON.stringify(query));

  const onSearch = (e: SyntheticEvent) => {
    e.preventDefault();
    setQ(draft);
    setPage(1);
  };

  const confirmDelete = async () => {
    if (!deleting) return;
    setBusy(true);
    setDeleteError(null);
    try {
      const count = await deleteRoom(deleting.id);
      setNotice(t('admin.rooms.deleted', { room: deleting.slug, count }));
      setDeleting(null);
      list.reload();
    } catch (err) {
      setDeleteError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  const data = list.data;
  return (
    <section aria-labelledby="admin-rooms-title">
      <h2 id="admin-rooms-title" className="admin-section-title">
        {t('admin.tab.rooms')}
      </h2>
      <form className="filters" onSubmit={onSearch} role="search">
        <div className="field filters__wide">
          <label htmlFor="rooms-q">{t('admin.rooms.search')}</label>
          <input id="rooms-q" type="search" value={draft} onChange={(e) => setDraft(e.target.value)} />
        </div>
        <div className="filters__actions">
          <button type="submit" className="button button--primary">
            {t('admin.search')}
          </button>
        </div>
      </form>
      <Notice kind="ok">{notice}</Notice>
      {list.error !== null && <Notice kind="error">{describe(list.error)}</Notice>}
      <TableScroll label={t('admin.tab.rooms')}>
        <table className="admin-table" aria-busy={list.loading}>
          <thead>
            <tr>
              <th scope="col">{t('admin.rooms.slug')}</th>
              <th scope="col">{t('admin.rooms.name')}</th>
              <th scope="col">{t('admin.rooms.owner')}</th>
              <th scope="col">{t('admin.rooms.created')}</th>
              <th scope="col">{t('admin.rooms.messages')}</th>
              <th scope="col">{t('admin.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {data?.results.map((r) => (
              <tr key={r.id} data-testid="admin-room-row">
                <td>
                  <code>{r.slug}</code>
                </td>
                <td>{r.name}</td>
                <td>{r.owner ?? <span className="muted">{t('admin.rooms.noOwner')}</span>}</td>
                <td>{formatStamp(r.created_at, locale)}</td>
                <td className="num">{r.message_count}</td>
                <td className="actions">
                  <button type="button" className="button button--small" onClick={() => setEditing(r)}>
                    {t('admin.edit')}{' '}
                    <span className="visually-hidden">{r.slug}</span>
                  </button>
                  <button
                    type="button"
                    className="button button--small button--danger"
                    onClick={() => {
                      setDeleteError(null);
                      setDeleting(r);
                    }}
                  >
                    {t('admin.delete')}{' '}
                    <span className="visually-hidden">{r.slug}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {data && data.results.length === 0 && <p className="muted">{t('admin.empty')}</p>}
      {list.loading && !data && <p role="status">{t('app.loading')}</p>}
      {data && <Pagination page={page} pageSize={data.page_size} count={data.count} onPage={setPage} />}

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
        <ConfirmDialog
          title={t('admin.rooms.deleteTitle')}
          message={<p>{t('admin.rooms.deleteConfirm', { room: deleting.name ? `${deleting.name} (${deleting.slug})` : deleting.slug, count: deleting.message_count })}</p>}
          confirmLabel={t('admin.delete')}
          cancelLabel={t('admin.cancel')}
          closeLabel={t('admin.close')}
          busy={busy}
          error={deleteError}
          onConfirm={() => void confirmDelete()}
          onCancel={() => setDeleting(null)}
        />
      )}
    </section>
  );
}
