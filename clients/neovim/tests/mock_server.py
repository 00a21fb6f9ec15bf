#!/usr/bin/env python3
"""A small stand-in for loom-language-server, for working on the Neovim plugin
without a .NET build. It speaks the subset of docs/protocol.md the plugin uses.
The test suite runs against the real server; this is only a development aid:
    LOOM_SERVER=clients/neovim/tests/mock_server.py clients/neovim/tests/run.sh
"""
import json, queue, random, sys, threading, time, itertools

out = sys.stdout.buffer
inp = sys.stdin.buffer
Q = queue.Queue()
ids = itertools.count(1)
WORDS = ("the old river ran past a house where nobody had lived for years and "
         "every night the lamps came on anyway as if someone still waited there").split()


def send(msg):
    msg["jsonrpc"] = "2.0"
    body = json.dumps(msg).encode()
    out.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    out.flush()


def reader():
    while True:
        headers = {}
        while True:
            line = inp.readline()
            if not line:
                Q.put(("eof", None)); return
            line = line.strip()
            if not line:
                break
            k, v = line.decode().split(":", 1)
            headers[k.lower()] = v.strip()
        body = inp.read(int(headers["content-length"]))
        Q.put(("msg", json.loads(body)))


class Node:
    def __init__(s, id, parent, text, model=None, source="human"):
        s.id, s.parent, s.text, s.model, s.source = id, parent, text, model, source
        s.children, s.bookmarked, s.sel = [], False, 0


class Doc:
    def __init__(s, uri, text):
        s.uri, s.text = uri, text
        s.nodes, s.n = {}, 0
        s.root = s.new(None, text)
        s.cur = s.root
        s.model, s.max_tokens, s.branches, s.temp = "offline/markov", 16, 3, 1.0
        s.show_models, s.hoist, s.gen = False, None, None

    def new(s, parent, text, model=None, source="human"):
        s.n += 1
        nd = Node("n%d" % s.n, parent, text, model, source)
        s.nodes[nd.id] = nd
        if parent: s.nodes[parent].children.append(nd.id)
        return nd

    def path(s, nd):
        p = []
        while nd:
            p.append(nd); nd = s.nodes.get(nd.parent)
        return p[::-1]

    def full(s, nd=None):
        return "".join(x.text for x in s.path(nd or s.cur))

    def state(s):
        ch = [s.nodes[c] for c in s.cur.children]
        return {"currentNodeId": s.cur.id, "fullText": s.full(),
                "children": [{"id": c.id, "text": c.text, "model": c.model, "bookmarked": c.bookmarked,
                              "descendantCount": 0} for c in ch],
                "selectedChildIdx": s.cur.sel, "descendantCounts": {}, "continuationText": "",
                "model": s.model, "maxTokens": s.max_tokens, "temperature": s.temp, "nBranches": s.branches,
                "context": "", "rootId": s.root.id, "viewMode": "branch", "hoistedNodeId": s.hoist,
                "showModelNames": s.show_models, "bookmarked": s.cur.bookmarked,
                "generating": s.gen is not None, "modelPlan": []}


docs = {}
pending = {}  # request id -> callback(result)


def pos_to_off(text, pos):
    lines = text.split("\n")
    off = sum(len(l) + 1 for l in lines[:pos["line"]])
    line = lines[pos["line"]] if pos["line"] < len(lines) else ""
    u16 = 0; i = 0
    while i < len(line) and u16 < pos["character"]:
        u16 += 2 if ord(line[i]) > 0xFFFF else 1; i += 1
    return off + i


def off_to_pos(text, off):
    before = text[:off]
    line = before.count("\n")
    col = before[before.rfind("\n") + 1:]
    return {"line": line, "character": sum(2 if ord(c) > 0xFFFF else 1 for c in col)}


def set_buffer(d, new, then):
    old = d.text
    if old == new:
        return then()
    p = 0
    while p < min(len(old), len(new)) and old[p] == new[p]:
        p += 1
    edit = {"range": {"start": off_to_pos(old, p), "end": off_to_pos(old, len(old))}, "newText": new[p:]}
    rid = next(ids)
    pending[rid] = lambda res: then()
    send({"id": rid, "method": "workspace/applyEdit", "params": {"edit": {"changes": {d.uri: [edit]}}}})


def reconcile(d):
    t = d.text
    if t == d.full():
        return
    # a path that already exists with exactly this text
    for nd in list(d.nodes.values()):
        if d.full(nd) == t:
            old = d.cur
            if old.source == "draft" and not old.children and old is not nd and old.parent:
                d.nodes[old.parent].children.remove(old.id); del d.nodes[old.id]
            d.cur = nd; return
    if t.startswith(d.full()):
        extra = t[len(d.full()):]
        if d.cur.source == "draft" and not d.cur.children:
            d.cur.text += extra
        else:
            d.cur = d.new(d.cur.id, extra, source="draft")
        return
    anc = d.cur
    while anc and not t.startswith(d.full(anc)):
        anc = d.nodes.get(anc.parent)
    if anc is None:
        d.root.text = t; d.cur = d.root; return
    d.cur = d.new(anc.id, t[len(d.full(anc)):], source="edited")


def notify_state(d):
    send({"method": "loom/stateChanged", "params": {"uri": d.uri, "state": d.state()}})


def gen_thread(uri, gid, n, maxt, slow, stop):
    # like the server: token events batched per branch, one per ~16 ms
    rng = random.Random(7)
    pending = [""] * n
    last = time.monotonic()
    def flush():
        for b in range(n):
            if pending[b]:
                Q.put(("gen", (uri, gid, "token", (b, pending[b]))))
                pending[b] = ""
    for k in range(maxt):
        for b in range(n):
            if stop.is_set():
                Q.put(("gen", (uri, gid, "cancelled", None))); return
            pending[b] += " " + rng.choice(WORDS)
        if slow:
            time.sleep(0.05)
        if slow or time.monotonic() - last > 0.016:
            flush(); last = time.monotonic()
    flush()
    Q.put(("gen", (uri, gid, "done", None)))


def handle_gen(uri, gid, kind, data):
    d = docs.get(uri)
    if not d or not d.gen or d.gen["id"] != gid:
        return
    g = d.gen
    if kind == "token":
        b, tok = data
        g["texts"][b] += tok
        send({"method": "loom/generation", "params": {"uri": uri, "generationId": gid, "event": "token", "branchIdx": b, "token": tok}})
        return
    d.gen = None
    if kind == "cancelled":
        send({"method": "loom/generation", "params": {"uri": uri, "generationId": gid, "event": "cancelled"}})
    else:
        new = [d.new(g["parent"], t, d.model, "model") for t in g["texts"]]
        send({"method": "loom/generation", "params": {"uri": uri, "generationId": gid, "event": "complete",
                                                       "completions": g["texts"], "newNodeIds": [x.id for x in new]}})
    send({"id": g["rid"], "result": d.state()})
    notify_state(d)


def command(rid, cmd, a):
    d = docs.get(a.get("uri"))
    if d is None:
        return send({"id": rid, "result": {}})
    reply = lambda: (send({"id": rid, "result": d.state()}), notify_state(d))
    if cmd == "loom.generate":
        n = int(a.get("branches") or d.branches); maxt = int(a.get("maxTokens") or d.max_tokens)
        model = a.get("model") or d.model
        stop = threading.Event()
        d.gen = {"id": "g%d" % next(ids), "rid": rid, "parent": d.cur.id, "texts": [""] * n, "stop": stop}
        notify_state(d)
        threading.Thread(target=gen_thread, args=(d.uri, d.gen["id"], n, maxt, model.endswith("slow"), stop), daemon=True).start()
        return
    if cmd == "loom.cancel":
        if d.gen: d.gen["stop"].set()
        return reply()
    if cmd == "loom.attach":
        return reply()
    if cmd == "loom.navigateChild":
        if d.cur.children:
            i = a.get("index", d.cur.sel)
            d.cur.sel = i
            d.cur = d.nodes[d.cur.children[i]]
    elif cmd == "loom.navigateParent":
        if d.cur.parent:
            par = d.nodes[d.cur.parent]; par.sel = par.children.index(d.cur.id); d.cur = par
    elif cmd == "loom.navigateTo":
        d.cur = d.nodes[a["nodeId"]]
    elif cmd == "loom.selectSibling":
        if d.cur.children: d.cur.sel = (d.cur.sel + a["delta"]) % len(d.cur.children)
        return reply()
    elif cmd == "loom.toggleBookmark":
        nd = d.nodes[a.get("nodeId") or d.cur.id]; nd.bookmarked = not nd.bookmarked
        send({"id": rid, "result": {"bookmarked": nd.bookmarked, "state": d.state()}}); return notify_state(d)
    elif cmd == "loom.nextBookmark":
        bms = [x for x in d.nodes.values() if x.bookmarked]
        if bms:
            later = [x for x in bms if int(x.id[1:]) > int(d.cur.id[1:])]
            d.cur = (later or bms)[0]
    elif cmd == "loom.toggleModelNames":
        d.show_models = not d.show_models; return reply()
    elif cmd == "loom.toggleHoist":
        d.hoist = None if d.hoist else d.cur.id; return reply()
    elif cmd == "loom.setModel":
        d.model = a["model"]; return reply()
    elif cmd == "loom.setBranches":
        d.branches = a["branches"]; return reply()
    elif cmd == "loom.setMaxTokens":
        d.max_tokens = a["maxTokens"]; return reply()
    elif cmd == "loom.deleteNode":
        nd = d.nodes[a["nodeId"]]
        if nd.parent: d.nodes[nd.parent].children.remove(nd.id)
        return reply()
    set_buffer(d, d.full(), reply)


def main():
    threading.Thread(target=reader, daemon=True).start()
    while True:
        kind, m = Q.get()
        if kind == "eof":
            return
        if kind == "gen":
            handle_gen(*m); continue
        meth, rid, p = m.get("method"), m.get("id"), m.get("params") or {}
        if meth is None:
            cb = pending.pop(rid, None)
            if cb: cb(m.get("result"))
            continue
        if meth == "initialize":
            send({"id": rid, "result": {"serverInfo": {"name": "loom-mock", "version": "0"}, "capabilities": {
                "textDocumentSync": {"openClose": True, "change": 2},
                "completionProvider": {}, "executeCommandProvider": {"commands": []},
                "semanticTokensProvider": {"legend": {"tokenTypes": ["human", "model", "edited"], "tokenModifiers": []}, "full": True}}}})
        elif meth == "shutdown":
            send({"id": rid, "result": None})
        elif meth == "exit":
            return
        elif meth == "textDocument/didOpen":
            td = p["textDocument"]; docs[td["uri"]] = Doc(td["uri"], td["text"])
        elif meth == "textDocument/didChange":
            d = docs[p["textDocument"]["uri"]]
            for ch in p["contentChanges"]:
                if "range" in ch:
                    s, e = pos_to_off(d.text, ch["range"]["start"]), pos_to_off(d.text, ch["range"]["end"])
                    d.text = d.text[:s] + ch["text"] + d.text[e:]
                else:
                    d.text = ch["text"]
            reconcile(d)
            notify_state(d)
        elif meth == "workspace/executeCommand":
            command(rid, p["command"], (p.get("arguments") or [{}])[0])
        elif meth == "loom/state":
            send({"id": rid, "result": docs[p["uri"]].state()})
        elif meth == "loom/tree":
            d = docs[p["uri"]]
            top = d.nodes[d.hoist] if d.hoist else d.root
            keep = set(); stack = [top.id]
            while stack:
                k = stack.pop(); keep.add(k); stack += d.nodes[k].children
            send({"id": rid, "result": [{"id": x.id, "parentId": None if x is top else x.parent, "text": x.text, "model": x.model,
                                         "bookmarked": x.bookmarked, "childCount": len(x.children),
                                         "checkedOut": x is d.cur, "createdAt": ""} for x in d.nodes.values()
                                        if x.id in keep]})
        elif meth == "textDocument/completion":
            d = docs[p["textDocument"]["uri"]]
            items = [{"label": d.nodes[c].text.split("\n")[0], "detail": d.nodes[c].model,
                      "textEdit": {"range": {"start": p["position"], "end": p["position"]}, "newText": d.nodes[c].text}}
                     for c in d.cur.children]
            send({"id": rid, "result": items})
        elif meth == "textDocument/semanticTokens/full":
            d = docs[p["textDocument"]["uri"]]; data = []; off = 0; last = (0, 0)
            for nd in d.path(d.cur):
                t = d.full(nd)
                a, b = off_to_pos(d.text, off), off_to_pos(d.text, len(t))
                if nd.source == "model" and a["line"] == b["line"] and b["character"] > a["character"]:
                    dl = a["line"] - last[0]
                    data += [dl, a["character"] - (last[1] if dl == 0 else 0), b["character"] - a["character"], 1, 0]
                    last = (a["line"], a["character"])
                off = len(t)
            send({"id": rid, "result": {"data": data}})
        elif rid is not None:
            send({"id": rid, "error": {"code": -32601, "message": "not in the mock: " + meth}})


main()
