import type { ReactNode, SyntheticEvent } from 'react';
import { useI18n } from '@/shared/i18n/context';
import type { Page } from '@/shared/api/admin/schemas';
import { useErrorText } from './format';
import { Notice, Pagination, TableScroll } from './parts';
import type { LoadState } from './useLoad';

/*
 * The frame every admin screen (users, rooms, messages, audit) shows around
 * its data: the titled section, the filter form, the notices, the scrollable
 * table with its empty and loading states, and the footer (pages or "load
 * more"). The
 * screens keep their columns, rows and dialogs; the markup the browser tests
 * and screen readers rely on lives here once.
 */

/** A screen's section, named by its heading; `action` sits beside the heading. */
export function AdminSection({ id, title, action, children }: { id: string; title: string; action?: ReactNode; children: ReactNode }) {
  const heading = (
    <h2 id={id} className="admin-section-title">
      {title}
    </h2>
  );
  return (
    <section aria-labelledby={id}>
      {action ? (
        <div className="admin-toolbar">
          {heading}
          {action}
        </div>
      ) : (
        heading
      )}
      {children}
    </section>
  );
}

/** One labelled filter input; `wide` lets it take the form's full row. */
export function Field({ id, label, wide = false, children }: { id: string; label: string; wide?: boolean; children: ReactNode }) {
  return (
    <div className={wide ? 'field filters__wide' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children}
    </div>
  );
}

/**
 * The filters above a table. A `search` form is one search box with a
 * "Search" button (role="search"); otherwise "Apply", and "Reset" when
 * onReset is given.
 */
export function FilterForm({ onApply, onReset, search = false, children }: { onApply: () => void; onReset?: () => void; search?: boolean; children: ReactNode }) {
  const { t } = useI18n();
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    onApply();
  };
  return (
    <form className="filters" onSubmit={submit} {...(search ? { role: 'search' } : { 'aria-label': t('admin.filters') })}>
      {children}
      <div className="filters__actions">
        <button type="submit" className="button button--primary">
          {search ? t('admin.search') : t('admin.apply')}
        </button>
        {onReset && (
          <button type="button" className="button" onClick={onReset}>
            {t('admin.reset')}
          </button>
        )}
      </div>
    </form>
  );
}

/** A row's action button; `name` (visually hidden) tells the row apart for screen readers. */
export function RowAction({ label, name, danger = false, onClick }: { label: string; name: string; danger?: boolean; onClick: () => void }) {
  return (
    <button type="button" className={danger ? 'button button--small button--danger' : 'button button--small'} onClick={onClick}>
      {label} <span className="visually-hidden">{name}</span>
    </button>
  );
}

export interface AdminTableProps {
  /** The section's name: labels the scrollable region. */
  label: string;
  /** Header cells. */
  head: ReactNode;
  /** Body rows. */
  children: ReactNode;
  busy: boolean;
  error: unknown;
  /** Shows "nothing found" under the table. */
  empty: boolean;
  /** Shows the loading status under the table. */
  pending: boolean;
  /** A success message above the table. */
  notice?: string | null;
  footer?: ReactNode;
}

export function AdminTable({ label, head, children, busy, error, empty, pending, notice = null, footer }: AdminTableProps) {
  const { t } = useI18n();
  const describe = useErrorText();
  return (
    <>
      <Notice kind="ok">{notice}</Notice>
      {error !== null && <Notice kind="error">{describe(error)}</Notice>}
      <TableScroll label={label}>
        <table className="admin-table" aria-busy={busy}>
          <thead>
            <tr>{head}</tr>
          </thead>
          <tbody>{children}</tbody>
        </table>
      </TableScroll>
      {empty && <p className="muted">{t('admin.empty')}</p>}
      {pending && <p role="status">{t('app.loading')}</p>}
      {footer}
    </>
  );
}

/** An AdminTable over one page of a paginated list, with the page buttons under it. */
export function PagedAdminTable<T>({
  list,
  page,
  onPage,
  row,
  ...rest
}: Omit<AdminTableProps, 'children' | 'busy' | 'error' | 'empty' | 'pending' | 'footer'> & {
  list: LoadState<Page<T>>;
  page: number;
  onPage: (page: number) => void;
  row: (item: T) => ReactNode;
}) {
  const data = list.data;
  return (
    <AdminTable
      {...rest}
      busy={list.loading}
      error={list.error}
      empty={data !== null && data.results.length === 0}
      pending={list.loading && data === null}
      footer={data && <Pagination page={page} pageSize={data.page_size} count={data.count} onPage={onPage} />}
    >
      {data?.results.map(row)}
    </AdminTable>
  );
}
