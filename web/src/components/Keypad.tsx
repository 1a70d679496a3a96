import { useTranslation } from 'react-i18next';

/** On-screen numeric keypad for touch screens; `withX` adds the X of a resident ID's check digit. */
export function Keypad({ onKey, withX, testId = 'keypad' }: { onKey(key: string): void; withX?: boolean; testId?: string }) {
  const { t } = useTranslation();
  const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', withX ? 'X' : 'clear', '0', 'back'];
  const label = (k: string) => (k === 'back' ? t('kiosk.keyBack') : k === 'clear' ? t('kiosk.keyClear') : k);
  return (
    <div className="tb-keypad" role="group" aria-label={t('kiosk.keypad')} data-testid={testId}>
      {keys.map((k) => (
        <button key={k} type="button" className={`tb-key tb-key-${k}`} onClick={() => onKey(k)} aria-label={label(k)} data-key={k}>
          {k === 'back' ? '⌫' : label(k)}
        </button>
      ))}
      {withX && (
        <button type="button" className="tb-key tb-key-wide" onClick={() => onKey('clear')} data-key="clear">
          {t('kiosk.keyClear')}
        </button>
      )}
    </div>
  );
}

/** Applies a keypad key to a value of at most `max` characters. */
export function applyKey(value: string, key: string, max: number): string {
  if (key === 'back') return value.slice(0, -1);
  if (key === 'clear') return '';
  if (value.length >= max) return value;
  return value + key;
}
