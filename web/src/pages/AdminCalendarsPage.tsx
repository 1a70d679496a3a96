import { useMemo, useState } from 'react';
import { Alert, Button, Card, Flex, Form, Input, InputNumber, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { api } from '../api';
import { useApi } from '../useApi';
import { citationText, loc, type Citation, type Localised } from '../types';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import './AdminCalendarsPage.css';

type DayKind = 'weekday' | 'weekend' | 'holiday' | 'make-up-working-day';
interface Day {
  date: string;
  kind: DayKind;
  working: boolean;
  name: Localised | null;
  fromCalendar: boolean;
}
interface CalendarDays {
  from: string;
  to: string;
  calendars: { year: number; version: string; loadedAt: string; citation: Citation }[];
  assumedWeekdaysFor: number[];
  days: Day[];
}

const KIND_CLASS: Record<DayKind, string> = { weekday: '', weekend: 'tb-cal-weekend', holiday: 'tb-cal-holiday', 'make-up-working-day': 'tb-cal-make-up' };

/** Today in China (UTC+8): the day that counts for a bureau. */
function todayInChina(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

function yearFrom(raw: string | null): number {
  const y = Number(raw);
  return Number.isInteger(y) && y >= 1990 && y <= 2200 ? y : Number(todayInChina().slice(0, 4));
}

/** One month as a Monday-first grid; holidays and make-up days carry their name for screen readers too. */
function MonthGrid({ year, month, days, today }: { year: number; month: number; days: Day[]; today: string }) {
  const { t, i18n } = useTranslation();
  const short = t('calendar.weekdays').split(' ');
  const long = t('calendar.weekdaysLong').split(' ');
  const title = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en' : 'zh-CN', { month: 'long', timeZone: 'UTC' }).format(Date.UTC(year, month, 1));
  const lead = (new Date(Date.UTC(year, month, 1)).getUTCDay() + 6) % 7;
  const cells: (Day | null)[] = [...Array<null>(lead).fill(null), ...days];
  while (cells.length % 7) cells.push(null);
  const weeks = Array.from({ length: cells.length / 7 }, (_, i) => cells.slice(i * 7, i * 7 + 7));
  return (
    <div className="tb-cal-month" data-testid={`month-${year}-${String(month + 1).padStart(2, '0')}`}>
      <table>
        <caption>{title}</caption>
        <thead>
          <tr>
            {short.map((s, i) => (
              <th key={s} scope="col">
                <abbr title={long[i]} style={{ textDecoration: 'none' }}>
                  {s}
                </abbr>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week, w) => (
            <tr key={w}>
              {week.map((d, i) =>
                d ? (
                  <td key={d.date}>
                    <DayCell day={d} today={today} />
                  </td>
                ) : (
                  <td key={`e${i}`} />
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DayCell({ day, today }: { day: Day; today: string }) {
  const { t, i18n } = useTranslation();
  const kind = t(`calendar.kinds.${day.kind}`);
  const name = loc(day.name, i18n.language);
  const label = day.name ? `${name} · ${kind}` : kind;
  const mark = day.kind === 'holiday' ? t('calendar.markHoliday') : day.kind === 'make-up-working-day' ? t('calendar.markMakeUp') : null;
  return (
    <span className={`tb-cal-day ${KIND_CLASS[day.kind]}${day.date === today ? ' tb-cal-today' : ''}`} title={`${day.date} ${label}`} data-testid={`day-${day.date}`} data-kind={day.kind}>
      {Number(day.date.slice(8))}
      {mark && (
        <span className="tb-cal-mark" aria-hidden="true">
          {mark}
        </span>
      )}
      {day.name && <span className="tb-visually-hidden">{label}</span>}
    </span>
  );
}

/** Consecutive days off of one holiday, and the make-up working days, as a list under the grid. */
function Notes({ days }: { days: Day[] }) {
  const { t, i18n } = useTranslation();
  const holidays: { name: Localised; from: string; to: string; count: number }[] = [];
  for (const d of days) {
    if (d.kind !== 'holiday' || !d.name) continue;
    const last = holidays[holidays.length - 1];
    const prev = last ? new Date(Date.parse(`${last.to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10) : null;
    if (last && last.name.zh === d.name.zh && prev === d.date) {
      last.to = d.date;
      last.count++;
    } else holidays.push({ name: d.name, from: d.date, to: d.date, count: 1 });
  }
  const weekday = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en' : 'zh-CN', { weekday: 'short', timeZone: 'UTC' });
  const makeUps = days.filter((d) => d.kind === 'make-up-working-day');
  if (!holidays.length && !makeUps.length) return null;
  return (
    <div className="tb-grid-2" style={{ marginTop: 16 }} data-testid="calendar-notes">
      <div>
        <h2 className="tb-h2" style={{ marginBottom: 8 }}>
          {t('calendar.kinds.holiday')}
        </h2>
        <ul className="tb-cal-notes">
          {holidays.map((h) => (
            <li key={h.from}>
              <strong>{loc(h.name, i18n.language)}</strong> {t('calendar.holidayRange', { from: h.from, to: h.to, count: h.count })}
            </li>
          ))}
        </ul>
      </div>
      <div>
        <h2 className="tb-h2" style={{ marginBottom: 8 }}>
          {t('calendar.kinds.make-up-working-day')}
        </h2>
        <ul className="tb-cal-notes">
          {makeUps.map((d) => (
            <li key={d.date}>
              {d.date}（{weekday.format(Date.parse(`${d.date}T00:00:00Z`))}） {t('calendar.makeUpFor', { name: loc(d.name, i18n.language) })}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

function YearView({ year }: { year: number }) {
  const { t, i18n } = useTranslation();
  const res = useApi<CalendarDays>(`/api/calendar/days?year=${year}`);
  const today = todayInChina();
  const months = useMemo(() => {
    const out: Day[][] = Array.from({ length: 12 }, () => []);
    for (const d of res.data?.days ?? []) out[Number(d.date.slice(5, 7)) - 1]!.push(d);
    return out;
  }, [res.data]);
  if (res.error) return <ErrorBox error={res.error} onRetry={res.reload} />;
  if (!res.data || res.data.from !== `${year}-01-01`) return <Loading />;
  const data = res.data;
  const published = data.calendars.find((c) => c.year === year);
  const legend: DayKind[] = ['weekday', 'weekend', 'holiday', 'make-up-working-day'];
  return (
    <div data-testid="calendar-year" data-year={year}>
      {published ? (
        <Typography.Paragraph className="tb-cite" data-testid="calendar-source">
          {t('calendar.source')}
          {published.citation.url ? (
            <a href={published.citation.url} target="_blank" rel="noreferrer noopener">
              {citationText(published.citation)}
            </a>
          ) : (
            citationText(published.citation)
          )}
          <br />
          {t('calendar.version', { version: published.version.slice(0, 12), at: new Date(published.loadedAt).toLocaleString(i18n.language === 'en' ? 'en' : 'zh-CN') })}
        </Typography.Paragraph>
      ) : (
        <Alert type="warning" showIcon title={t('calendar.noCalendar', { year })} style={{ marginBottom: 12 }} data-testid="calendar-assumed" />
      )}
      <ul className="tb-cal-legend" aria-label={t('calendar.legend')}>
        {legend.map((k) => (
          <li key={k}>
            <span className={`tb-cal-day ${KIND_CLASS[k] || 'tb-cal-swatch-plain'}`} aria-hidden="true">
              {k === 'holiday' ? t('calendar.markHoliday') : k === 'make-up-working-day' ? t('calendar.markMakeUp') : '1'}
            </span>
            {t(`calendar.kinds.${k}`)}
          </li>
        ))}
      </ul>
      <Typography.Paragraph>{t('calendar.workingCount', { count: data.days.filter((d) => d.working).length, holidays: data.days.filter((d) => d.kind === 'holiday').length })}</Typography.Paragraph>
      <div className="tb-cal-year">
        {months.map((days, m) => (
          <MonthGrid key={m} year={year} month={m} days={days} today={today} />
        ))}
      </div>
      <Notes days={data.days} />
    </div>
  );
}

/** The due date N working days after a day, on the same calendar as the grid. */
function DueDateCalculator() {
  const { t } = useTranslation();
  const [out, setOut] = useState<{ due: string; assumedWeekdaysFor: number[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function calc(v: { from: string; days: number }) {
    setError(null);
    try {
      setOut(await api('GET', `/api/calendar/due?from=${v.from}&days=${v.days}`));
    } catch (e) {
      setError(e);
    }
  }
  return (
    <>
      <h2 className="tb-h2" style={{ marginBottom: 8 }}>
        {t('calendar.calcTitle')}
      </h2>
      <Typography.Paragraph>{t('calendar.intro')}</Typography.Paragraph>
      <ErrorBox error={error} />
      <Form layout="inline" onFinish={(v) => void calc(v)} initialValues={{ from: '2026-09-30', days: 3 }} style={{ rowGap: 8 }}>
        <Form.Item name="from" label={t('calendar.from')} rules={[{ required: true }]}>
          <Input type="date" />
        </Form.Item>
        <Form.Item name="days" label={t('calendar.days')} rules={[{ required: true }]}>
          <InputNumber min={0} max={3660} />
        </Form.Item>
        <Button type="primary" htmlType="submit" data-testid="calendar-calc">
          {t('calendar.calc')}
        </Button>
      </Form>
      {out && (
        <Typography.Paragraph role="status" style={{ marginTop: 16, fontSize: 18 }} data-testid="calendar-due">
          {t('calendar.due', { due: out.due })}
          {out.assumedWeekdaysFor.length > 0 && <span className="tb-cite"> {t('calendar.assumed', { years: out.assumedWeekdaysFor.join('、') })}</span>}
        </Typography.Paragraph>
      )}
    </>
  );
}

/** Working-day calendars: a year of public holidays and make-up working days (调休), and the due-date calculator. */
export default function AdminCalendarsPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const year = yearFrom(params.get('year'));
  const go = (y: number) => setParams({ year: String(y) }, { replace: true });
  return (
    <Flex vertical gap={16}>
      <Card>
        <Typography.Title level={1} className="tb-page-title">
          {t('nav.adminCalendars')}
        </Typography.Title>
        <Flex align="center" gap={8} wrap style={{ marginBottom: 12 }}>
          <Button onClick={() => go(year - 1)} data-testid="calendar-prev">
            ‹ {t('calendar.prevYear')}
          </Button>
          <h2 className="tb-h2" style={{ fontSize: 20, minWidth: 90, textAlign: 'center' }} aria-live="polite" data-testid="calendar-year-label">
            {t('calendar.yearLabel', { year })}
          </h2>
          <Button onClick={() => go(year + 1)} data-testid="calendar-next">
            {t('calendar.nextYear')} ›
          </Button>
        </Flex>
        <YearView key={year} year={year} />
      </Card>
      <Card>
        <DueDateCalculator />
      </Card>
    </Flex>
  );
}
