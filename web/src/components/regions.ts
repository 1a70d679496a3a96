import { useEffect, useState } from 'react';
import { api, type Region } from '../api';

/** District-level region names (GB/T 2260), for showing a region code as a name. */
export function useRegionNames(enabled: boolean): (code: string) => string {
  const [regions, setRegions] = useState<Region[]>([]);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    api<{ items: Region[] }>('GET', '/api/regions')
      .then((r) => live && setRegions(r.items))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [enabled]);
  return (code: string) => {
    let best: Region | undefined;
    for (const r of regions) if (code.startsWith(r.code) && (!best || r.code.length > best.code.length)) best = r;
    return best ? best.name : code;
  };
}
