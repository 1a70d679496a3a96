import { Rng, Weighted } from './random.js';

/**
 * Chinese names for the demo city: surnames by national frequency (per cent, 2020
 * census order) with the Jiaodong peninsula's own common surnames (于 孙 姜 丛 毕 曲
 * 鞠 初 隋 …) weighted up, and given names whose fashion follows the birth year.
 */
const SURNAME_WEIGHTS: Record<string, number> = {
  王: 7.1, 李: 6.0, 张: 6.7, 刘: 5.1, 陈: 3.2, 杨: 2.6, 黄: 1.2, 赵: 2.3, 吴: 1.3, 周: 1.2,
  徐: 1.3, 孙: 3.2, 马: 1.1, 朱: 0.9, 胡: 0.8, 郭: 1.0, 何: 0.6, 林: 1.3, 高: 1.1, 罗: 0.4,
  郑: 0.7, 梁: 0.9, 谢: 0.4, 宋: 0.9, 唐: 0.5, 许: 0.6, 韩: 0.7, 邓: 0.3, 冯: 0.6, 曹: 0.6,
  彭: 0.3, 曾: 0.2, 肖: 0.3, 田: 0.6, 董: 0.6, 潘: 0.3, 袁: 0.4, 蔡: 0.3, 蒋: 0.3, 余: 0.2,
  于: 3.0, 杜: 0.4, 叶: 0.3, 程: 0.4, 魏: 0.4, 苏: 0.4, 吕: 0.5, 丁: 0.5, 任: 0.4, 卢: 0.3,
  姚: 0.3, 沈: 0.2, 钟: 0.2, 姜: 1.6, 崔: 0.5, 谭: 0.2, 陆: 0.2, 范: 0.3, 汪: 0.2, 石: 0.3,
  金: 0.2, 贾: 0.3, 夏: 0.2, 付: 0.3, 方: 0.2, 邹: 0.5, 白: 0.2, 孟: 0.3, 秦: 0.2, 侯: 0.2,
  尹: 0.2, 薛: 0.2, 闫: 0.2, 段: 0.1, 史: 0.2, 郝: 0.2, 毛: 0.1, 邵: 0.2, 万: 0.1, 武: 0.2,
  常: 0.1, 康: 0.1, 乔: 0.1, 戚: 0.3, 丛: 0.6, 毕: 0.6, 曲: 0.7, 鞠: 0.5, 初: 0.5, 隋: 0.4,
  宫: 0.3, 谷: 0.3, 连: 0.2, 车: 0.1, 衣: 0.2, 慕: 0.1, 柳: 0.1, 辛: 0.1, 臧: 0.1, 修: 0.1,
  // compound surnames: rare, but a search must cope with them
  欧阳: 0.03, 司马: 0.01, 上官: 0.01, 诸葛: 0.01, 东方: 0.01, 公孙: 0.005, 慕容: 0.005, 令狐: 0.005,
};

export const SURNAMES = new Weighted(Object.keys(SURNAME_WEIGHTS), Object.values(SURNAME_WEIGHTS));

type Era = 'old' | 'mid' | 'young';

// Whole given names typical of each generation; the rest are combined from characters.
const CLASSIC: Record<Era, { M: string[]; F: string[] }> = {
  old: {
    M: ['建国', '建华', '国庆', '志强', '德明', '学文', '永福', '振华', '广才', '树林', '宝山', '洪亮', '金生', '玉林', '春生', '建军', '卫东', '福海', '庆祥', '长顺'],
    F: ['秀英', '桂英', '玉兰', '秀兰', '桂兰', '淑珍', '凤英', '秀珍', '玉珍', '桂芳', '淑英', '素梅', '翠花', '春花', '玉梅', '秀荣', '兰英', '桂香', '凤兰', '淑华'],
  },
  mid: {
    M: ['伟', '磊', '勇', '军', '强', '涛', '斌', '鹏', '海涛', '志刚', '建伟', '晓东', '海波', '立新', '永刚', '文博', '海峰', '新华', '东升', '振宇'],
    F: ['丽', '静', '敏', '燕', '娜', '艳', '红', '霞', '丽娜', '晓燕', '海燕', '丽华', '红梅', '晓红', '春燕', '雪梅', '丽丽', '婷婷', '美玲', '秀丽'],
  },
  young: {
    M: ['子轩', '浩宇', '宇航', '浩然', '俊熙', '梓睿', '一鸣', '宇轩', '子墨', '博文', '嘉懿', '思远', '明哲', '天佑', '皓轩', '铭泽', '沐辰', '奕辰', '承泽', '锦程'],
    F: ['梓涵', '欣怡', '子涵', '一诺', '雨桐', '梓萱', '诗涵', '可馨', '语嫣', '思琪', '若汐', '雨萱', '佳怡', '书瑶', '梦琪', '紫萱', '依诺', '晨曦', '安琪', '芷若'],
  },
};

const CHARS: Record<Era, { M: string; F: string }> = {
  old: { M: '国建明华志德学文永福振广树宝洪金玉春庆长成山海家', F: '秀英兰桂玉珍凤淑梅芳花荣香云霞素翠美春爱' },
  mid: { M: '伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁健亮俊峰建志海东林新立', F: '芳娜敏静丽艳娟霞秀玲燕红梅琳雪慧婷晓颖倩蕾丹萍洁' },
  young: { M: '宇浩轩泽睿航然铭子博昊晨阳辰俊熙凯文哲一鸣嘉逸皓', F: '涵萱怡悦颖佳雨桐诗琪欣彤妍思雅璐月瑶梓晨可馨诺' },
};

function eraOf(birthYear: number): Era {
  if (birthYear < 1965) return 'old';
  if (birthYear < 1995) return 'mid';
  return 'young';
}

export function givenName(rng: Rng, sex: 'M' | 'F', birthYear: number): string {
  const era = eraOf(birthYear);
  if (rng.chance(0.35)) return rng.pick(CLASSIC[era][sex]);
  const chars = CHARS[era][sex];
  const one = () => chars[Math.floor(rng.next() * chars.length)]!;
  // Single-character given names were common in the 1980s, rare before and after.
  const single = era === 'mid' ? 0.3 : 0.12;
  if (rng.chance(single)) return one();
  const a = one();
  let b = one();
  while (b === a) b = one();
  return a + b;
}

export function drawSurname(rng: Rng): string {
  return SURNAMES.draw(rng);
}
