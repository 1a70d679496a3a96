import type { ReactNode } from 'react';

/** A time in China, in the UI's language (the API gives UTC instants). */
export function chinaTime(iso: string, lang: string): string {
  return new Date(iso).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

/** One entry of a supervision queue: a heading line, labelled facts, then actions. Stacks on a phone. */
export function QueueEntry({ head, facts, children, testId }: { head: ReactNode; facts: [ReactNode, ReactNode][]; children?: ReactNode; testId: string }) {
  return (
    <li data-testid={testId}>
      <div className="tb-queue-head">{head}</div>
      <dl>
        {facts.map(([label, value], i) => (
          <div key={i}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {children}
    </li>
  );
}
