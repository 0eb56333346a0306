// The whole plan's via edges, to list an impact in full: each impacted node and
// the dependencies its impact arrives through. The first walk fetches every
// page of the plan, once; a walk answers {node, kind} entries sorted by name.
const allPageSize = 1000;

export function planWalk(fetchPage) {
  let loading = null;
  const all = async (list) => {
    const out = [];
    for (let offset = 0; ;) {
      const q = new URLSearchParams({ list, offset: String(offset), limit: String(allPageSize) });
      const page = await fetchPage(q.toString());
      out.push(...(page[list] || []));
      if (!page.next_offset) return out;
      offset = page.next_offset;
    }
  };
  const index = () => {
    loading = loading || (async () => {
      const [changes, indirect] = await Promise.all([all('changes'), all('indirect')]);
      const via = new Map();
      const below = new Map();
      const kind = new Map();
      const breaking = new Set(changes.filter((c) => c.category === 'BREAKING').map((c) => c.node));
      for (const u of [...changes, ...indirect]) {
        kind.set(u.node, u.kind);
        if (!u.via || u.via.length === 0) continue;
        via.set(u.node, u.via);
        for (const p of u.via) {
          if (!below.has(p)) below.set(p, []);
          below.get(p).push(u.node);
        }
      }
      return { via, below, breaking, kind };
    })();
    return loading;
  };
  const walk = async (start, down) => {
    const g = await index();
    const next = down ? g.below : g.via;
    const seen = new Set([start]);
    const queue = [start];
    for (let k = 0; k < queue.length; k++) {
      for (const t of next.get(queue[k]) || []) {
        if (!seen.has(t)) {
          seen.add(t);
          queue.push(t);
        }
      }
    }
    return { found: queue.slice(1).sort().map((node) => ({ node, kind: g.kind.get(node) })), breaking: g.breaking };
  };
  return {
    downstream: async (node) => (await walk(node, true)).found,
    breakingUpstream: async (node) => {
      const { found, breaking } = await walk(node, false);
      return found.filter((e) => breaking.has(e.node));
    },
  };
}
