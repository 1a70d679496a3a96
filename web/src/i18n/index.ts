import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import zhCN from './zh-CN.json';

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = 'tongban.lang';

function storedLanguage(): Language {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    if (v && (LANGUAGES as readonly string[]).includes(v)) return v as Language;
  } catch {
    // Storage can be unavailable (private mode, kiosk lockdown): fall back to Chinese.
  }
  return 'zh-CN';
}

function applyToDocument(lng: string): void {
  document.documentElement.lang = lng;
  document.title = i18n.t('app.documentTitle');
}

// Chinese is bundled; English is its own chunk, loaded when chosen (keeps the first route small).
async function loadLanguage(lng: Language): Promise<void> {
  if (lng === 'en' && !i18n.hasResourceBundle('en', 'translation')) {
    const en = (await import('./en.json')).default;
    i18n.addResourceBundle('en', 'translation', en, true, true);
  }
}

void i18n.use(initReactI18next).init({
  resources: { 'zh-CN': { translation: zhCN } },
  partialBundledLanguages: true,
  lng: 'zh-CN',
  fallbackLng: 'zh-CN',
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false },
  returnNull: false,
});
applyToDocument(i18n.language);

/** Resolves when the stored language's strings are loaded and active (render after it). */
export const i18nReady: Promise<void> = (async () => {
  const stored = storedLanguage();
  if (stored !== 'zh-CN') {
    try {
      await loadLanguage(stored);
      await i18n.changeLanguage(stored);
    } catch {
      // Offline while loading: stay in Chinese.
    }
  }
})();

/** Switches the language, loading its strings first. */
export async function setLanguage(lng: Language): Promise<void> {
  await loadLanguage(lng);
  await i18n.changeLanguage(lng);
}

i18n.on('languageChanged', (lng) => {
  try {
    localStorage.setItem(STORAGE_KEY, lng);
  } catch {
    // ignore
  }
  applyToDocument(lng);
});

export function currentLanguage(): Language {
  return i18n.language === 'en' ? 'en' : 'zh-CN';
}

export default i18n;
