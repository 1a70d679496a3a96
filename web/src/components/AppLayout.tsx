import type { ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { App as AntApp, Button, Flex, Grid, Layout, Typography } from 'antd';
import { LogoutOutlined, GlobalOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useSession } from '../session';
import { messageOf } from '../api';

const { Header, Content, Footer } = Layout;

function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const next = i18n.language === 'en' ? 'zh-CN' : 'en';
  return (
    <Button
      type="text"
      className="tb-header-button"
      icon={<GlobalOutlined aria-hidden />}
      lang={next}
      aria-label={t('lang.switchLabel')}
      onClick={() => void i18n.changeLanguage(next)}
      data-testid="lang-switch"
    >
      {t('lang.switchTo')}
    </Button>
  );
}

export function AppLayout({ children }: { children: ReactNode }) {
  const { t, i18n } = useTranslation();
  const { me, signOut } = useSession();
  const navigate = useNavigate();
  const screens = Grid.useBreakpoint();
  const { message } = AntApp.useApp();
  const wide = screens.md ?? false;

  async function onSignOut() {
    try {
      await signOut();
      navigate('/login', { replace: true });
    } catch (e) {
      void message.error(messageOf(e, i18n.language));
    }
  }

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <a className="tb-skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <Header className="tb-header">
        <Flex align="center" justify="space-between" gap={8} style={{ height: '100%', maxWidth: 1200, margin: '0 auto' }}>
          <Flex align="baseline" gap={10} style={{ minWidth: 0 }}>
            <a href="/" className="tb-brand" aria-label={t('app.documentTitle')}>
              {t('app.name')}
            </a>
            {wide && <span className="tb-subtitle">{t('app.subtitle')}</span>}
          </Flex>
          <Flex align="center" gap={wide ? 12 : 4} style={{ minWidth: 0 }}>
            <LanguageSwitch />
            {me && (
              <>
                <span className="tb-user" data-testid="current-user" title={t('header.signedInAs')}>
                  <span className="tb-user-name">{me.displayName}</span>
                  {wide && me.roles.length > 0 && (
                    <span className="tb-user-roles" aria-label={t('header.roles')}>
                      {me.roles.map((r) => t(`roles.${r}`, { defaultValue: r })).join('、')}
                    </span>
                  )}
                </span>
                <Button
                  type="text"
                  className="tb-header-button"
                  icon={<LogoutOutlined aria-hidden />}
                  onClick={() => void onSignOut()}
                  aria-label={t('header.signOut')}
                  data-testid="sign-out"
                >
                  {wide ? t('header.signOut') : null}
                </Button>
              </>
            )}
          </Flex>
        </Flex>
      </Header>
      <Content id="main" tabIndex={-1} style={{ padding: wide ? '24px 24px' : '12px 8px', outline: 'none' }}>
        <div style={{ maxWidth: 1200, margin: '0 auto' }}>{children}</div>
      </Content>
      <Footer style={{ textAlign: 'center', padding: '16px 8px' }}>
        <Typography.Text type="secondary">{t('app.footer')}</Typography.Text>
      </Footer>
    </Layout>
  );
}
