import { useCallback, useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Modal } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, messageOf, type PersonFull, type RightsSummary } from '../api';
import { useSession } from '../session';
import { LanguageSwitch } from '../components/AppLayout';
import { applyKey, Keypad } from '../components/Keypad';
import { KioskCardLoss } from '../components/KioskCardLoss';

type Purpose = 'cardLoss' | 'record' | 'cases';
type Stage = { s: 'home' } | { s: 'identify'; purpose: Purpose } | { s: 'code'; purpose: Purpose; residentId: string } | { s: 'serve'; purpose: Purpose };

const ID_PATTERN = /^\d{17}[\dX]$/;

/** Seconds of no touch before the warning, and of warning before the session is wiped (overridable for tests: ?idle=&warn=). */
function useIdleTimes(): { idle: number; warn: number } {
  const [params] = useSearchParams();
  const num = (k: string, d: number) => {
    const v = Number(params.get(k));
    return Number.isFinite(v) && v > 0 ? v : d;
  };
  return { idle: num('idle', 90), warn: num('warn', 20) };
}

/**
 * The self-service kiosk (自助终端): a full-screen portrait shell with large touch targets,
 * an on-screen keypad, a simulated ID / social security card reader, and an idle timer that
 * warns and then wipes the session so the next person starts clean.
 */
export default function KioskPage() {
  const { t, i18n } = useTranslation();
  const { me, refresh } = useSession();
  const [params] = useSearchParams();
  const [stage, setStage] = useState<Stage>({ s: 'home' });
  const [idInput, setIdInput] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [warning, setWarning] = useState<number | null>(null);
  const { idle, warn } = useIdleTimes();
  const lastTouch = useRef(Date.now());

  const wipe = useCallback(async () => {
    setWarning(null);
    setStage({ s: 'home' });
    setIdInput('');
    setCode('');
    setError(null);
    try {
      await api<void>('POST', '/api/auth/logout');
    } catch {
      // Already signed out.
    }
    try {
      sessionStorage.clear();
    } catch {
      // ignore
    }
    await refresh().catch(() => null);
    lastTouch.current = Date.now();
  }, [refresh]);

  // Idle timer: any touch or key resets it; only runs when someone is mid-way or signed in.
  useEffect(() => {
    const touch = () => {
      lastTouch.current = Date.now();
      setWarning(null);
    };
    window.addEventListener('pointerdown', touch);
    window.addEventListener('keydown', touch);
    const timer = setInterval(() => {
      const active = stage.s !== 'home' || !!me;
      if (!active) return;
      const quiet = (Date.now() - lastTouch.current) / 1000;
      if (quiet >= idle + warn) void wipe();
      else if (quiet >= idle) setWarning(Math.ceil(idle + warn - quiet));
    }, 250);
    return () => {
      window.removeEventListener('pointerdown', touch);
      window.removeEventListener('keydown', touch);
      clearInterval(timer);
    };
  }, [stage, me, idle, warn, wipe]);

  const signedInCitizen = me && me.kind === 'citizen' ? me : null;

  function start(purpose: Purpose) {
    setError(null);
    if (signedInCitizen) setStage({ s: 'serve', purpose });
    else setStage({ s: 'identify', purpose });
  }

  async function sendCode(residentId: string, purpose: Purpose) {
    setError(null);
    if (!ID_PATTERN.test(residentId)) {
      setError(t('kiosk.badId'));
      return;
    }
    setBusy(true);
    try {
      await api<{ sent: boolean }>('POST', '/api/auth/citizen/otp', { residentId });
      setCode('');
      setStage({ s: 'code', purpose, residentId });
    } catch (e) {
      setError(messageOf(e, i18n.language));
    } finally {
      setBusy(false);
    }
  }

  /** The simulated reader: the card "in the reader" comes from ?card= (a test or demo sets it), else the ID typed so far. */
  function readCard(kind: 'id' | 'ssc', purpose: Purpose) {
    const card = (params.get('card') ?? '').toUpperCase();
    if (!ID_PATTERN.test(card)) {
      setError(t('kiosk.noCard'));
      return;
    }
    setIdInput(card);
    void kind;
    // Reading the card is the possession factor: send the code at once (one tap fewer).
    void sendCode(card, purpose);
  }

  async function signIn(residentId: string, c: string, purpose: Purpose) {
    setBusy(true);
    setError(null);
    try {
      await api<void>('POST', '/api/auth/citizen/login', { residentId, code: c, channel: 'kiosk' });
      await refresh();
      setStage({ s: 'serve', purpose });
    } catch (e) {
      setCode('');
      setError(messageOf(e, i18n.language));
    } finally {
      setBusy(false);
    }
  }

  function onCodeKey(k: string, residentId: string, purpose: Purpose) {
    const next = applyKey(code, k, 6);
    setCode(next);
    // Six digits entered: sign in without another tap.
    if (next.length === 6 && k !== 'back' && k !== 'clear') void signIn(residentId, next, purpose);
  }

  return (
    <div className="tb-kiosk" data-testid="kiosk">
      <header className="tb-kiosk-top tb-no-print">
        <h1>{t('kiosk.title')}</h1>
        <div className="tb-kiosk-row" style={{ alignItems: 'center' }}>
          {signedInCitizen && <span data-testid="kiosk-user">{signedInCitizen.displayName}</span>}
          <LanguageSwitch className="tb-kiosk-lang" size="large" />
          {(stage.s !== 'home' || signedInCitizen) && (
            <button type="button" className="tb-kiosk-btn" onClick={() => void wipe()} data-testid="kiosk-exit">
              {t('kiosk.exit')}
            </button>
          )}
        </div>
      </header>
      <main className="tb-kiosk-main" id="main">
        {error && (
          <div role="alert" className="tb-kiosk-panel tb-no-print" style={{ borderLeft: '8px solid #c41d1d' }} data-testid="kiosk-error">
            {error}
          </div>
        )}
        {stage.s === 'home' && (
          <>
            <h2>{t('kiosk.welcome')}</h2>
            <div className="tb-kiosk-tiles">
              <button type="button" className="tb-kiosk-tile" onClick={() => start('cardLoss')} data-testid="kiosk-card-loss">
                {t('kiosk.cardLoss')}
                <small>{t('kiosk.cardLossHint')}</small>
              </button>
              <button type="button" className="tb-kiosk-tile" onClick={() => start('record')} data-testid="kiosk-record">
                {t('kiosk.record')}
                <small>{t('kiosk.recordHint')}</small>
              </button>
            </div>
          </>
        )}
        {stage.s === 'identify' && (
          <div className="tb-kiosk-panel">
            <h2>{t('kiosk.identify')}</h2>
            <p style={{ margin: 0 }}>{t('kiosk.identifyHint')}</p>
            <div className="tb-kiosk-row">
              <button type="button" className="tb-kiosk-btn tb-primary" onClick={() => readCard('id', stage.purpose)} disabled={busy} data-testid="read-id-card">
                {t('kiosk.readIdCard')}
              </button>
              <button type="button" className="tb-kiosk-btn tb-primary" onClick={() => readCard('ssc', stage.purpose)} disabled={busy} data-testid="read-ss-card">
                {t('kiosk.readSsCard')}
              </button>
            </div>
            <label htmlFor="kiosk-id" style={{ fontWeight: 600 }}>
              {t('kiosk.orType')}
            </label>
            <output id="kiosk-id" className="tb-kiosk-display" aria-live="polite" data-testid="kiosk-id">
              {idInput || ' '}
            </output>
            <Keypad withX onKey={(k) => setIdInput((v) => applyKey(v, k, 18))} testId="id-keypad" />
            <div className="tb-kiosk-row">
              <button type="button" className="tb-kiosk-btn" onClick={() => setStage({ s: 'home' })}>
                {t('kiosk.back')}
              </button>
              <button type="button" className="tb-kiosk-btn tb-primary" disabled={busy || idInput.length !== 18} onClick={() => void sendCode(idInput, stage.purpose)} data-testid="kiosk-next">
                {t('kiosk.next')}
              </button>
            </div>
          </div>
        )}
        {stage.s === 'code' && (
          <div className="tb-kiosk-panel">
            <h2>{t('kiosk.enterCode')}</h2>
            <p style={{ margin: 0 }} data-testid="kiosk-id-read">
              {t('kiosk.idRead', { id: `${stage.residentId.slice(0, 4)}**********${stage.residentId.slice(-4)}` })}
            </p>
            <p style={{ margin: 0 }} role="status">
              {t('kiosk.codeSent')}
            </p>
            <output className="tb-kiosk-display" aria-label={t('kiosk.enterCode')} data-testid="kiosk-code">
              {code.replace(/./g, '●') || ' '}
            </output>
            <Keypad onKey={(k) => onCodeKey(k, stage.residentId, stage.purpose)} testId="code-keypad" />
            <div className="tb-kiosk-row">
              <button type="button" className="tb-kiosk-btn" onClick={() => setStage({ s: 'identify', purpose: stage.purpose })}>
                {t('kiosk.back')}
              </button>
            </div>
          </div>
        )}
        {stage.s === 'serve' && signedInCitizen && stage.purpose === 'cardLoss' && <KioskCardLoss onDone={() => void wipe()} />}
        {stage.s === 'serve' && signedInCitizen && stage.purpose === 'record' && <KioskRecord personId={signedInCitizen.personId} onDone={() => void wipe()} />}
      </main>
      <Modal open={warning !== null} closable={false} footer={null} centered title={t('kiosk.idleTitle')} data-testid="idle-warning">
        <p style={{ fontSize: 22 }} role="alert" data-testid="idle-warning-text">
          {t('kiosk.idleText', { s: warning ?? 0 })}
        </p>
        <button type="button" className="tb-kiosk-btn tb-primary" onClick={() => setWarning(null)} data-testid="idle-continue">
          {t('kiosk.idleContinue')}
        </button>
      </Modal>
    </div>
  );
}

/** Print the contribution record: the insured status and recent months, on the receipt printer. */
function KioskRecord({ personId, onDone }: { personId: string | null; onDone(): void }) {
  const { t, i18n } = useTranslation();
  const [person, setPerson] = useState<PersonFull | null>(null);
  const [rights, setRights] = useState<RightsSummary | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!personId) return;
    Promise.all([api<PersonFull>('GET', `/api/persons/${personId}`), api<RightsSummary & { recent?: unknown[] }>('GET', `/api/persons/${personId}/rights`)])
      .then(([p, r]) => {
        setPerson(p);
        setRights(r);
      })
      .catch(setError);
  }, [personId]);
  if (error) return <div role="alert" className="tb-kiosk-panel">{messageOf(error, i18n.language)}</div>;
  if (!person || !rights) return <div className="tb-kiosk-panel">{t('app.loading')}</div>;
  return (
    <div className="tb-kiosk-panel">
      <h2 className="tb-no-print">{t('kiosk.record')}</h2>
      <section className="tb-receipt" data-testid="kiosk-record-sheet">
        <h3>{t('kiosk.recordTitle')}</h3>
        <dl>
          <dt>{t('person.name')}</dt>
          <dd>{person.name}</dd>
          <dt>{t('person.residentId')}</dt>
          <dd className="tb-mono">{person.residentId.slice(0, 6)}********{person.residentId.slice(-4)}</dd>
          {rights.insurances.map((i) => (
            <div key={i.insuranceType} style={{ display: 'contents' }}>
              <dt>{t(`insurance.${i.insuranceType}`, { defaultValue: i.insuranceType })}</dt>
              <dd>
                {t(`insuredStatus.${i.status}`, { defaultValue: i.status })} · {t('me.months', { count: i.totalMonths })}
              </dd>
            </div>
          ))}
          <dt>{t('kiosk.printedAt')}</dt>
          <dd>{new Date().toLocaleString(i18n.language)}</dd>
        </dl>
      </section>
      <div className="tb-kiosk-row tb-no-print">
        <button type="button" className="tb-kiosk-btn tb-primary" onClick={() => window.print()} data-testid="kiosk-print">
          {t('kiosk.print')}
        </button>
        <button type="button" className="tb-kiosk-btn" onClick={onDone}>
          {t('kiosk.finish')}
        </button>
      </div>
    </div>
  );
}
