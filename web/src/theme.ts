import type { ThemeConfig } from 'antd';

/**
 * Colours chosen for WCAG AA contrast (4.5:1 for normal text) on white: antd's
 * default blue (#1677ff) and its lighter greys fall short of it.
 */
export const theme: ThemeConfig = {
  token: {
    colorPrimary: '#0b57c5',
    colorLink: '#0b57c5',
    // Hover and active shades stay dark enough (antd derives a light #5497de otherwise: 3:1).
    colorPrimaryHover: '#0a4aa8',
    colorPrimaryActive: '#083d8a',
    colorLinkHover: '#0a4aa8',
    colorLinkActive: '#083d8a',
    colorPrimaryTextHover: '#0a4aa8',
    colorTextSecondary: 'rgba(0, 0, 0, 0.70)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
    colorTextDescription: 'rgba(0, 0, 0, 0.62)',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.55)',
    colorError: '#c41d1d',
    colorSuccess: '#2b7a0b',
    colorWarning: '#ad5b00',
    borderRadius: 6,
    fontFamily:
      "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif",
  },
  components: {
    Layout: { headerBg: '#0a3d8f', headerPadding: '0 16px', headerHeight: 56, bodyBg: '#f3f5f8', footerBg: '#f3f5f8' },
  },
};
