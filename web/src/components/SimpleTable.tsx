import type { ReactNode } from 'react';

export interface SimpleColumn<T> {
  key: string;
  title: ReactNode;
  render(row: T): ReactNode;
  align?: 'left' | 'right';
  /** Hidden on narrow screens (phone). */
  wide?: boolean;
}

/**
 * A plain, semantic table for the portal: antd's Table (with pagination, selection, filters)
 * costs ~85 KB of gzipped JavaScript, which the citizen's first routes cannot afford.
 */
export function SimpleTable<T>({ columns, rows, rowKey, empty, testId, caption }: { columns: SimpleColumn<T>[]; rows: T[]; rowKey(row: T): string; empty: ReactNode; testId?: string; caption?: string }) {
  return (
    <div className="tb-table-wrap">
      <table className="tb-table" data-testid={testId}>
        {caption && <caption className="tb-visually-hidden">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" className={c.wide ? 'tb-wide-only' : undefined} style={{ textAlign: c.align ?? 'left' }}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="tb-table-empty">
                {empty}
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={rowKey(r)}>
                {columns.map((c) => (
                  <td key={c.key} className={c.wide ? 'tb-wide-only' : undefined} style={{ textAlign: c.align ?? 'left' }}>
                    {c.render(r)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
