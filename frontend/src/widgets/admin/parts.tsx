import type { ReactNode } from 'react';
import { useI18n } from '@/shared/i18n/context';
import { ConfirmDialog } from '@/shared/ui/Dialog';
import type { Tri } from './format';

/** Horizontally scrollable, keyboard-focusable table container (phone layout). */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="table-scroll" role="region" aria-label={t('admin.tableLabel', { name: label })} tabIndex={0}>
      {children}
    </div>
  );
}

export function Pagination({ page, pageSize, count, onPage }: { page: number; pageSize: number; count: number; onPage: (p: number) => void }) {
  const { t } = useI18n();
  const pages = Math.max(1, Math.ceil(count / pageSize));
  return (
    <nav className="pagination" aria-label={t('admin.pagination')}>
      <button type="button" className="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t('admin.prev')}
      </button>
      <span aria-live="polite">
        {t('admin.page', { page, pages })} · {t('admin.total', { count })}
      </span>
      <button type="button" className="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t('admin.next')}
      </button>
    </nav>
  );
}

export function TriSelect({ id, label, value, onChange }: { id: string; label: string; value: Tri; onChange: (v: Tri) => void }) {
  const { t } = useI18n();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as Tri)}>
        <option value="">{t('admin.any')}</option>
        <option value="true">{t('admin.yes')}</option>
        <option value="false">{t('admin.no')}</option>
      </select>
    </div>
  );
}

export function Notice({ kind, children }: { kind: 'ok' | 'error'; children: ReactNode }) {
  if (!children) return null;
  return (
    <p className={`notice notice--${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </p>
  );
}

export function YesNo({ value }: { value: boolean }) {
  const { t } = useI18n();
  return <span className={value ? 'flag flag--yes' : 'flag flag--no'}>{value ? t('admin.yes') : t('admin.no')}</span>;
}

type SortDir = 'asc' | 'desc' | null;

/** Column header that sorts on click; exposes aria-sort. */
export function SortHeader({ label, dir, onClick }: { label: string; dir: SortDir; onClick: () => void }) {
  const { t } = useI18n();
  return (
    <th scope="col" aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}>
      <button type="button" className="sort-button" onClick={onClick}>
        {label}
        <span aria-hidden="true">{dir === 'asc' ? ' ▲' : dir === 'desc' ? ' ▼' : ''}</span>
        {dir && <span className="visually-hidden"> ({dir === 'asc' ? t('admin.sortAsc') : t('admin.sortDesc')})</span>}
      </button>
    </th>
  );
}

/** The confirmation before an admin deletion: "Delete" / "Cancel" in the viewer's language. */
export function DeleteConfirm({ title, message, busy, error, onConfirm, onCancel }: { title: string; message: ReactNode; busy: boolean; error: string | null; onConfirm: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  return (
    <ConfirmDialog
      title={title}
      message={message}
      confirmLabel={t('admin.delete')}
      cancelLabel={t('admin.cancel')}
      closeLabel={t('admin.close')}
      busy={busy}
      error={error}
      onConfirm={onConfirm}
      onCancel={onCancel}
    />
  );
}
