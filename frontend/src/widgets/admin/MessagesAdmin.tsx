import { useState } from 'react';
import { useI18n } from '@/shared/i18n/context';
import { bulkDeleteMessages, DEFAULT_PAGE_SIZE, deleteMessage, hasMessageFilter, listMessages, type MessageFilters } from '@/shared/api/admin/endpoints';
import type { AdminMessage } from '@/shared/api/admin/schemas';
import { MessageEditor } from '@/features/admin/MessageEditor';
import { formatStamp, localZoneName } from './format';
import { emptyMessageDraft, messageFiltersFrom, type MessageDraft } from './filters';
import { AdminSection, Field, FilterForm, PagedAdminTable, RowAction } from './AdminTable';
import { DeleteConfirm } from './parts';
import { useAction } from './useAction';
import { useLoad } from './useLoad';

const PREVIEW = 80;
const preview = (s: string) => {
  const chars = Array.from(s);
  return chars.length > PREVIEW ? `${chars.slice(0, PREVIEW).join('')}…` : s;
};

export function MessagesAdmin() {
  const { t, locale } = useI18n();
  const [draft, setDraft] = useState<MessageDraft>(emptyMessageDraft);
  const [filters, setFilters] = useState<MessageFilters>({});
  const [newestFirst, setNewestFirst] = useState(false);
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<AdminMessage | null>(null);
  const [deleting, setDeleting] = useState<AdminMessage | null>(null);
  const [bulk, setBulk] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const query = { ...filters, sort: newestFirst ? ('-created_at' as const) : undefined, page, page_size: DEFAULT_PAGE_SIZE };
  const list = useLoad((signal) => listMessages(query, signal), JSON.stringify(query));
  const removal = useAction((done) => {
    setNotice(done);
    setDeleting(null);
    setBulk(false);
    list.reload();
  });
  const canBulk = hasMessageFilter(filters);

  const set = <K extends keyof MessageDraft>(k: K, v: MessageDraft[K]) => setDraft((d) => ({ ...d, [k]: v }));
  const onApply = () => {
    setFilters(messageFiltersFrom(draft));
    setPage(1);
    setNotice(null);
  };
  const onReset = () => {
    setDraft(emptyMessageDraft);
    setFilters({});
    setPage(1);
  };

  const filterRows: [string, string][] = [];
  if (filters.room) filterRows.push([t('admin.messages.room'), filters.room]);
  if (filters.author) filterRows.push([t('admin.messages.author'), filters.author]);
  if (filters.since) filterRows.push([t('admin.messages.since'), formatStamp(filters.since, locale)]);
  if (filters.until) filterRows.push([t('admin.messages.until'), formatStamp(filters.until, locale)]);
  if (filters.q) filterRows.push([t('admin.messages.q'), filters.q]);

  const data = list.data;
  return (
    <AdminSection id="admin-messages-title" title={t('admin.tab.messages')}>
      <FilterForm onApply={onApply} onReset={onReset}>
        <Field id="messages-room" label={t('admin.messages.room')}>
          <input id="messages-room" value={draft.room} onChange={(e) => set('room', e.target.value)} autoComplete="off" />
        </Field>
        <Field id="messages-author" label={t('admin.messages.author')}>
          <input id="messages-author" value={draft.author} onChange={(e) => set('author', e.target.value)} autoComplete="off" />
        </Field>
        <Field id="messages-since" label={t('admin.messages.since')}>
          <input id="messages-since" type="datetime-local" step={1} value={draft.since} onChange={(e) => set('since', e.target.value)} />
        </Field>
        <Field id="messages-until" label={t('admin.messages.until')}>
          <input id="messages-until" type="datetime-local" step={1} value={draft.until} onChange={(e) => set('until', e.target.value)} />
        </Field>
        <Field id="messages-q" label={t('admin.messages.q')} wide>
          <input id="messages-q" type="search" value={draft.q} onChange={(e) => set('q', e.target.value)} />
        </Field>
      </FilterForm>
      <div className="admin-toolbar">
        <label className="check">
          <input
            type="checkbox"
            checked={newestFirst}
            onChange={(e) => {
              setNewestFirst(e.target.checked);
              setPage(1);
            }}
          />{' '}
          {t('admin.messages.newestFirst')}
        </label>
        <span className="muted small">{t('admin.zone', { zone: localZoneName() })}</span>
        <span className="admin-toolbar__end">
          <button
            type="button"
            className="button button--danger"
            disabled={!canBulk}
            aria-describedby={canBulk ? undefined : 'bulk-hint'}
            onClick={() => {
              removal.clearError();
              setBulk(true);
            }}
          >
            {t('admin.messages.bulk')}
          </button>
          {!canBulk && (
            <span id="bulk-hint" className="muted small">
              {' '}
              {t('admin.messages.bulkHint')}
            </span>
          )}
        </span>
      </div>
      <PagedAdminTable
        label={t('admin.tab.messages')}
        notice={notice}
        list={list}
        page={page}
        onPage={setPage}
        head={
          <>
            <th scope="col">{t('admin.messages.time')}</th>
            <th scope="col">{t('admin.messages.room')}</th>
            <th scope="col">{t('admin.messages.author')}</th>
            <th scope="col">{t('admin.messages.text')}</th>
            <th scope="col">{t('admin.actions')}</th>
          </>
        }
        row={(m: AdminMessage) => (
          <tr key={m.id} data-testid="admin-message-row" data-id={m.id}>
            <td className="nowrap">
              <time dateTime={m.created_at}>{formatStamp(m.created_at, locale)}</time>
            </td>
            <td>{m.room}</td>
            <td>{m.user_id === null ? <span className="muted">{m.username}</span> : m.username}</td>
            <td className="text-cell" title={m.content}>
              {preview(m.content)}
            </td>
            <td className="actions">
              <RowAction label={t('admin.edit')} name={`#${m.id}`} onClick={() => setEditing(m)} />
              <RowAction
                label={t('admin.delete')}
                name={`#${m.id}`}
                danger
                onClick={() => {
                  removal.clearError();
                  setDeleting(m);
                }}
              />
            </td>
          </tr>
        )}
      />

      {editing && (
        <MessageEditor
          message={editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            setNotice(t('admin.messages.saved'));
            list.reload();
          }}
        />
      )}
      {deleting && (
        <DeleteConfirm
          title={t('admin.messages.deleteTitle')}
          message={
            <>
              <p>{t('admin.messages.deleteConfirm', { id: deleting.id, user: deleting.username, room: deleting.room })}</p>
              <blockquote className="quote">{preview(deleting.content)}</blockquote>
            </>
          }
          busy={removal.busy}
          error={removal.error}
          onConfirm={() => {
            const id = deleting.id;
            void removal.run(async () => {
              await deleteMessage(id);
              return t('admin.messages.deleted');
            });
          }}
          onCancel={() => setDeleting(null)}
        />
      )}
      {bulk && canBulk && (
        <DeleteConfirm
          title={t('admin.messages.bulkTitle')}
          message={
            <>
              <p>{t('admin.messages.bulkConfirm', { count: data?.count ?? 0 })}</p>
              <dl className="facts" data-testid="bulk-filters">
                {filterRows.map(([k, v]) => (
                  <div key={k}>
                    <dt>{k}</dt>
                    <dd>{v}</dd>
                  </div>
                ))}
              </dl>
            </>
          }
          busy={removal.busy}
          error={removal.error}
          onConfirm={() => {
            const f = filters;
            void removal.run(async () => t('admin.messages.bulkDone', { count: await bulkDeleteMessages(f) }));
          }}
          onCancel={() => setBulk(false)}
        />
      )}
    </AdminSection>
  );
}
