// A small stand-in for Loom's language server, used ONLY to develop the VS Code
// client and its end-to-end harness while the real server (src/Loom.LanguageServer)
// is not built. It follows docs/protocol.md in a simplified way. The e2e test runs
// against the real server unless LOOM_SERVER points here explicitly.
import {
  createConnection,
  ProposedFeatures,
  TextDocumentSyncKind,
  CompletionItemKind,
  InlayHint,
} from 'vscode-languageserver/node';

const conn = createConnection(ProposedFeatures.all);

interface N { id: string; parentId: string | null; text: string; model: string | null; bookmarked: boolean; kids: string[]; createdAt: string }
interface Session { uri: string; rootId: string; current: string; selected: number; model: string; maxTokens: number; branches: number; generating: boolean; cancel?: () => void; showModelNames: boolean; text: string }

const nodes = new Map<string, N>();
const sessions = new Map<string, Session>();
let seq = 0;
const newNode = (parentId: string | null, text: string, model: string | null): N => {
  const n: N = { id: `n${++seq}`, parentId, text, model, bookmarked: false, kids: [], createdAt: new Date().toISOString() };
  nodes.set(n.id, n);
  if (parentId) nodes.get(parentId)!.kids.push(n.id);
  return n;
};
const pathOf = (id: string): N[] => { const out: N[] = []; let c: string | null = id; while (c) { const n: N = nodes.get(c)!; out.unshift(n); c = n.parentId; } return out; };
const fullText = (id: string) => pathOf(id).map((n) => n.text).join('');
let settings: Record<string, any> = {};

function state(s: Session) {
  const cur = nodes.get(s.current)!;
  return {
    currentNodeId: s.current, fullText: fullText(s.current),
    children: cur.kids.map((k) => { const n = nodes.get(k)!; return { id: n.id, text: n.text, model: n.model, bookmarked: n.bookmarked, descendantCount: n.kids.length }; }),
    selectedChildIdx: cur.kids.length ? Math.min(s.selected, cur.kids.length - 1) : -1,
    model: s.model, maxTokens: s.maxTokens, temperature: 1, nBranches: s.branches, context: '', rootId: s.rootId,
    viewMode: 'branch', hoistedNodeId: null, showModelNames: s.showModelNames, bookmarked: cur.bookmarked, generating: s.generating, modelPlan: [],
  };
}
const notifyState = (s: Session) => conn.sendNotification('loom/stateChanged', { uri: s.uri, state: state(s) });

async function setBuffer(s: Session, target: string) {
  const old = s.text;
  let p = 0; while (p < old.length && p < target.length && old[p] === target[p]) p++;
  const pos = offsetToPos(old, p), end = offsetToPos(old, old.length);
  // s.text follows the client's didChange for this edit.
  await conn.workspace.applyEdit({ edit: { changes: { [s.uri]: [{ range: { start: pos, end }, newText: target.slice(p) }] } } });
}
function offsetToPos(t: string, off: number) { let line = 0, last = 0; for (let i = 0; i < off; i++) if (t[i] === '\n') { line++; last = i + 1; } return { line, character: off - last }; }
function posToOffset(t: string, pos: { line: number; character: number }) { let line = 0, i = 0; while (line < pos.line && i < t.length) { if (t[i] === '\n') line++; i++; } return i + pos.character; }

async function checkout(s: Session, id: string) { s.current = id; s.selected = 0; await setBuffer(s, fullText(id)); notifyState(s); return state(s); }

const WORDS = 'the of and a to in is was that it he with as his on be at by had not are but from or have an they which one you were her all she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people'.split(' ');

conn.onInitialize((p) => {
  settings = (p.initializationOptions as any) ?? {};
  return { capabilities: {
    textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
    completionProvider: { triggerCharacters: [] }, hoverProvider: true, codeActionProvider: true, inlayHintProvider: true,
    executeCommandProvider: { commands: ['loom.attach','loom.generate','loom.cancel','loom.navigateChild','loom.navigateParent','loom.selectSibling','loom.navigateTo','loom.toggleBookmark','loom.nextBookmark','loom.toggleTreeView','loom.toggleModelNames','loom.toggleHoist','loom.setModel','loom.setMaxTokens','loom.setBranches','loom.setContext','loom.setModelPlan','loom.deleteNode','loom.save','loom.setApiKey','loom.import','loom.export'] },
  } };
});

conn.onDidOpenTextDocument((p) => {
  const root = newNode(null, p.textDocument.text, null);
  sessions.set(p.textDocument.uri, { uri: p.textDocument.uri, rootId: root.id, current: root.id, selected: 0, model: settings.model || 'offline/markov', maxTokens: settings.maxTokens ?? 64, branches: settings.branches ?? 3, generating: false, showModelNames: false, text: p.textDocument.text });
});

conn.onDidChangeTextDocument((p) => {
  const s = sessions.get(p.textDocument.uri); if (!s) return;
  for (const ch of p.contentChanges) {
    if (!('range' in ch)) { s.text = ch.text; continue; }
    const a = posToOffset(s.text, ch.range.start), b = posToOffset(s.text, ch.range.end);
    s.text = s.text.slice(0, a) + ch.text + s.text.slice(b);
  }
  const cur = fullText(s.current);
  if (s.text === cur) return;
  // Existing path with this text (completion accept, undo)?
  const kid = nodes.get(s.current)!.kids.find((k) => fullText(k) === s.text);
  if (kid) { s.current = kid; notifyState(s); return; }
  const curNode = nodes.get(s.current)!;
  if (curNode.model === 'edited' && !curNode.kids.length && curNode.parentId && s.text.startsWith(fullText(curNode.parentId))) {
    curNode.text = s.text.slice(fullText(curNode.parentId).length); notifyState(s); return; // draft edited in place
  }
  if (s.text.startsWith(cur)) { const n = newNode(s.current, s.text.slice(cur.length), null); s.current = n.id; notifyState(s); return; }
  // Fork at the first changed segment: copy the rest of the path as a sibling chain.
  const path = pathOf(s.current); let off = 0, i = 0;
  let p0 = 0; while (p0 < cur.length && cur[p0] === s.text[p0]) p0++;
  for (; i < path.length; i++) { if (off + path[i].text.length > p0) break; off += path[i].text.length; }
  if (i === 0) i = 1; // the fake never forks the root
  const forkParent = path[i - 1]; const prefix = fullText(forkParent.id);
  const n = newNode(forkParent.id, s.text.slice(prefix.length), 'edited'); s.current = n.id; notifyState(s);
});

const sess = (a: any) => { const s = sessions.get(a?.uri); if (!s) throw new Error(`not a loom: ${a?.uri}`); return s; };

conn.onExecuteCommand(async (p) => {
  const a: any = p.arguments?.[0] ?? {};
  switch (p.command) {
    case 'loom.attach': return state(sess(a));
    case 'loom.setApiKey': return {};
    case 'loom.generate': {
      const s = sess(a); const gid = `g${++seq}`; s.generating = true; notifyState(s);
      const slow = s.model.endsWith('-slow'); let cancelled = false; s.cancel = () => { cancelled = true; };
      const n = a.branches ?? s.branches, max = a.maxTokens ?? s.maxTokens;
      const texts = Array.from({ length: n }, () => '');
      for (let t = 0; t < max && !cancelled; t++) {
        for (let b = 0; b < n; b++) { const tok = ' ' + WORDS[(t * 7 + b * 13 + seq) % WORDS.length]; texts[b] += tok; conn.sendNotification('loom/generation', { uri: s.uri, generationId: gid, event: 'token', branchIdx: b, token: tok }); }
        await new Promise((r) => setTimeout(r, slow ? 50 : 2));
      }
      s.generating = false;
      if (cancelled) { conn.sendNotification('loom/generation', { uri: s.uri, generationId: gid, event: 'cancelled' }); notifyState(s); return state(s); }
      const ids = texts.map((t) => newNode(s.current, t, s.model).id);
      conn.sendNotification('loom/generation', { uri: s.uri, generationId: gid, event: 'complete', completions: texts, newNodeIds: ids });
      notifyState(s); return state(s);
    }
    case 'loom.cancel': { const s = sess(a); s.cancel?.(); return state(s); }
    case 'loom.navigateChild': { const s = sess(a); const k = nodes.get(s.current)!.kids; if (!k.length) return state(s); return checkout(s, k[a.index ?? Math.min(s.selected, k.length - 1)]); }
    case 'loom.navigateParent': { const s = sess(a); const par = nodes.get(s.current)!.parentId; if (!par) return state(s); const idx = nodes.get(par)!.kids.indexOf(s.current); await checkout(s, par); s.selected = idx; notifyState(s); return state(s); }
    case 'loom.selectSibling': { const s = sess(a); const k = nodes.get(s.current)!.kids; if (k.length) s.selected = (s.selected + (a.delta ?? 1) + k.length) % k.length; notifyState(s); return state(s); }
    case 'loom.navigateTo': { const s = sess(a); return checkout(s, a.nodeId); }
    case 'loom.toggleBookmark': { const s = sess(a); const n = nodes.get(a.nodeId ?? s.current)!; n.bookmarked = !n.bookmarked; notifyState(s); return { bookmarked: n.bookmarked, state: state(s) }; }
    case 'loom.nextBookmark': { const s = sess(a); const all = [...nodes.values()].filter((n) => n.bookmarked && pathOf(n.id)[0].id === s.rootId); if (!all.length) return state(s); const i = all.findIndex((n) => n.id === s.current); return checkout(s, all[(i + 1) % all.length].id); }
    case 'loom.toggleModelNames': { const s = sess(a); s.showModelNames = !s.showModelNames; notifyState(s); return state(s); }
    case 'loom.setModel': { const s = sess(a); s.model = a.model; notifyState(s); return state(s); }
    case 'loom.setMaxTokens': { const s = sess(a); s.maxTokens = a.maxTokens; notifyState(s); return state(s); }
    case 'loom.setBranches': { const s = sess(a); s.branches = a.branches; notifyState(s); return state(s); }
    default: { const s = sess(a); return state(s); }
  }
});

conn.onRequest('loom/state', (a: any) => state(sess(a)));
conn.onRequest('loom/tree', (a: any) => {
  const s = sess(a); const start = a.nodeId ?? s.rootId; const depth = a.depth ?? 1e9;
  const out: any[] = []; const cur = new Set(pathOf(s.current).map((n) => n.id));
  const walk = (id: string, d: number) => { const n = nodes.get(id)!; out.push({ id: n.id, parentId: n.parentId, text: n.text, model: n.model, bookmarked: n.bookmarked, childCount: n.kids.length, checkedOut: cur.has(n.id), createdAt: n.createdAt }); if (d < depth) for (const k of n.kids) walk(k, d + 1); };
  walk(start, 0); return out;
});
conn.onRequest('loom/trees', () => []);

conn.onCompletion((p) => {
  const s = sessions.get(p.textDocument.uri); if (!s) return [];
  if (posToOffset(s.text, p.position) !== s.text.length) return [];
  return nodes.get(s.current)!.kids.map((k, i) => { const n = nodes.get(k)!; return {
    label: n.text.split('\n')[0].trim() || '(empty)', kind: CompletionItemKind.Text, detail: n.model ?? '', sortText: String(i).padStart(4, '0'), filterText: n.text,
    documentation: n.text, textEdit: { range: { start: p.position, end: p.position }, newText: n.text },
    command: { title: 'go', command: 'loom.navigateTo', arguments: [{ uri: s.uri, nodeId: n.id }] } }; });
});
conn.onHover((p) => { const s = sessions.get(p.textDocument.uri); if (!s) return null; return { contents: `model: ${s.model}` }; });
conn.onCodeAction(() => []);
conn.languages.inlayHint.on((p) => { const s = sessions.get(p.textDocument.uri); if (!s) return []; const k = nodes.get(s.current)!.kids; if (!k.length) return []; const n = nodes.get(k[Math.min(s.selected, k.length - 1)])!; return [InlayHint.create(offsetToPos(s.text, s.text.length), n.text)]; });
conn.listen();
