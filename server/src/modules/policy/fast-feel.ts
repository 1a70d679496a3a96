import type { SyntaxNode } from '@lezer/common';

/**
 * A fast path for the FEEL most catalogue rules are made of: comparisons of context paths and
 * literals joined by and/or (`rights.contributionMonths.unemployment >= param.unemployment.min_contribution_months`).
 * feelin re-parses and copies its whole context on every call (≈0.1–0.5 ms a rule); this
 * evaluates the same parse tree directly. Whenever the expression or a runtime value leaves the
 * subset whose semantics are pinned down here (same as feelin's: see fast-feel.test.ts, a
 * property test against feelin), the caller falls back to feelin.
 */
export const FALLBACK: unique symbol = Symbol('fallback');
type Value = unknown;
export type Compiled = (ctx: Record<string, unknown>) => Value | typeof FALLBACK;

const isPrim = (v: unknown) => v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function readPath(ctx: Record<string, unknown>, segs: string[]): unknown {
  let v: unknown = ctx;
  for (const s of segs) {
    if (v === null || v === undefined) return null;
    // A path through a list maps over it in FEEL; through a number or text it is feelin's call.
    if (typeof v !== 'object' || Array.isArray(v)) return FALLBACK;
    v = Object.prototype.hasOwnProperty.call(v, s) ? (v as Record<string, unknown>)[s] : null;
  }
  return v === undefined ? null : v;
}

function compileNode(node: SyntaxNode, src: string): Compiled | null {
  const text = src.slice(node.from, node.to);
  switch (node.name) {
    case 'Expression':
    case 'ParenthesizedExpression': {
      const inner = children(node).filter((c) => c.name !== '(' && c.name !== ')');
      return inner.length === 1 ? compileNode(inner[0]!, src) : null;
    }
    case 'PathExpression':
    case 'VariableName': {
      const path = text.replace(/\s+/g, '');
      if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(path)) return null;
      const segs = path.split('.');
      return (ctx) => {
        const v = readPath(ctx, segs);
        return v !== FALLBACK && isPrim(v) ? v : FALLBACK;
      };
    }
    case 'NumericLiteral': {
      if (!/^\d+(\.\d+)?$/.test(text)) return null;
      const n = Number(text);
      return () => n;
    }
    case 'StringLiteral': {
      if (!/^"[^"\\]*"$/.test(text)) return null;
      const s = text.slice(1, -1);
      return () => s;
    }
    case 'BooleanLiteral':
      if (text !== 'true' && text !== 'false') return null;
      return text === 'true' ? () => true : () => false;
    case 'null':
      return () => null;
    case 'Comparison': {
      const [l, op, r, ...rest] = children(node);
      if (!l || !op || !r || rest.length || op.name !== 'CompareOp') return null;
      const left = compileNode(l, src);
      const right = compileNode(r, src);
      if (!left || !right) return null;
      const o = src.slice(op.from, op.to);
      const eq = (a: unknown, b: unknown): boolean | typeof FALLBACK => {
        if (a === null || b === null) return a === b;
        if (typeof a !== typeof b) return FALLBACK;
        return a === b;
      };
      const ord = (a: unknown, b: unknown, f: (a: number | string, b: number | string) => boolean): boolean | null | typeof FALLBACK => {
        if (a === null || b === null) {
          const other = a === null ? b : a;
          return other === null || typeof other === 'number' || typeof other === 'string' ? null : FALLBACK;
        }
        if ((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')) return f(a, b);
        return FALLBACK;
      };
      const both = (fn: (a: unknown, b: unknown) => unknown): Compiled => (ctx) => {
        const a = left(ctx);
        if (a === FALLBACK) return FALLBACK;
        const b = right(ctx);
        if (b === FALLBACK) return FALLBACK;
        return fn(a, b) as Value;
      };
      switch (o) {
        case '=':
          return both(eq);
        case '!=':
          return both((a, b) => {
            const r = eq(a, b);
            return r === FALLBACK ? r : !r;
          });
        case '<':
          return both((a, b) => ord(a, b, (x, y) => x < y));
        case '<=':
          return both((a, b) => ord(a, b, (x, y) => x <= y));
        case '>':
          return both((a, b) => ord(a, b, (x, y) => x > y));
        case '>=':
          return both((a, b) => ord(a, b, (x, y) => x >= y));
        default:
          return null;
      }
    }
    case 'Conjunction':
    case 'Disjunction': {
      const parts = children(node);
      if (parts.length !== 3) return null;
      const left = compileNode(parts[0]!, src);
      const right = compileNode(parts[2]!, src);
      if (!left || !right) return null;
      const bool = (v: unknown) => (typeof v === 'boolean' ? v : null);
      const and = node.name === 'Conjunction';
      return (ctx) => {
        const a = left(ctx);
        if (a === FALLBACK) return FALLBACK;
        const b = right(ctx);
        if (b === FALLBACK) return FALLBACK;
        const x = bool(a);
        const y = bool(b);
        if (and) return x === false || y === false ? false : x === true && y === true ? true : null;
        return x === true || y === true ? true : x === false && y === false ? false : null;
      };
    }
    default:
      return null;
  }
}

/** A compiled evaluator for the subset, or null when the expression is outside it. */
export function compileFast(top: SyntaxNode, src: string): Compiled | null {
  return compileNode(top, src);
}
