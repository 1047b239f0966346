#!/usr/bin/python3
"""PyTorch side of bench/training-vs-pytorch.sh (issue #7).

Mirrors bench/TrainingBench/Program.cs case by case: same models, same shapes, same thread count, same
output (one JSON line per measurement). Run with Debian's PyTorch: /usr/bin/python3 bench/training_bench.py
--threads 1 [--case mm,dispatch,xor,tiny,icl,lm1,lm4] [--quick] [--round N] [--label pytorch]
XOR extras: xor-rowmajor (the straightforward program again, paired with TorchSharp's program before 2026-11-23),
xor-pm (the same models points-major, like LayerLab's trainer), xor-jit (one TorchScript step), xor-ops, xor-profile.
"""
import argparse
import json
import os
import math
import time

import torch
import torch.nn.functional as F

ARGS = None


def emit(case, metric, value, unit, **extra):
    row = {"impl": ARGS.label, "case": case, "threads": ARGS.threads, "round": ARGS.round,
           "metric": metric, "value": value, "unit": unit}
    row.update(extra)
    print(json.dumps(row), flush=True)


CLOCK = time.thread_time if os.environ.get("BENCH_CLOCK") == "cpu" else time.perf_counter   # see TrainingBench Time()


def timed(step, warmup, iterations):
    for _ in range(warmup):
        step()
    start = CLOCK()
    for _ in range(iterations):
        step()
    return (CLOCK() - start) / iterations


# ---- 1. matmul GFLOP/s -------------------------------------------------------------------------------------------
def matmul(n, iterations):
    a, b = torch.randn(n, n), torch.randn(n, n)
    s = timed(lambda: torch.mm(a, b), 3, iterations)
    emit(f"mm{n}", "gflops", 2.0 * n ** 3 / s / 1e9, "GFLOP/s")


# ---- 2. per-op dispatch ------------------------------------------------------------------------------------------
def dispatch():
    a, b = torch.randn(4), torch.randn(4)
    block, blocks = 1000, (20 if ARGS.quick else 50)

    def out_of_place():
        for _ in range(block):
            a + b
    s = timed(out_of_place, 5, blocks)
    emit("add4", "us_per_op", s / block * 1e6, "µs/op")
    c = torch.zeros(4)

    def in_place():
        for _ in range(block):
            c.add_(b)
    s = timed(in_place, 5, blocks)
    emit("add4_inplace", "us_per_op", s / block * 1e6, "µs/op")


# ---- 3a. the batched XOR program: a faithful copy of XorModels.Forward + BatchedAdam ------------------------------
SECTIONS = [2, 1, 2, 1, 1, 4, 2, 2, 1, 2, 1]
WIDTH = 19


def xor_inputs():
    bits = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    return (2 * bits - 1).t().contiguous(), torch.tensor([0., 1., 1., 0.])   # pm1 coding, Xᵀ [2, 4]; targets [4]


def xor_forward(theta, inputs_t):
    rows = theta.shape[0]
    pw, pa, bw, bb, ba, w1, b1, w2, b2, gw, gb = theta.split(SECTIONS, 1)
    zp = pw.matmul(inputs_t)
    y_prelu = torch.where(zp.ge(0), zp, pa * zp)
    zb = torch.addmm(bb, bw, inputs_t)
    y_prelu_bias = torch.where(zb.ge(0), zb, ba * zb)
    h = w1.view(rows, 2, 2).matmul(inputs_t) + b1.unsqueeze(-1)
    y_mlp = w2.unsqueeze(1).matmul(h.tanh()).squeeze(1) + b2
    zg = torch.addmm(gb, gw, inputs_t)
    y_gcu = zg * zg.cos()
    return torch.stack([y_prelu, y_prelu_bias, y_mlp, y_gcu], 1)


def xor_forward_points_major(theta_t, x):
    """Same models, points-major (a copy of XorModels.Forward since 2026-11-23): θᵀ [19, rows], X [4, 2];
    every per-point tensor is [4, rows], so reductions over points and broadcasts of per-row parameters run over
    the outer dimension. Returns [4 models, 4 points, rows]."""
    rows = theta_t.shape[1]
    pw, pa, bw, bb, ba, w1, b1, w2, b2, gw, gb = theta_t.split(SECTIONS, 0)
    zp = x.mm(pw)
    y_prelu = torch.where(zp.ge(0), zp, pa * zp)
    zb = torch.addmm(bb, x, bw)
    y_prelu_bias = torch.where(zb.ge(0), zb, ba * zb)
    h = x.matmul(w1.view(2, 2, rows)) + b1.unsqueeze(1)
    y_mlp = (h.tanh() * w2.unsqueeze(1)).sum(0) + b2
    zg = torch.addmm(gb, x, gw)
    return torch.stack([y_prelu, y_prelu_bias, y_mlp, zg * zg.cos()], 0)


class BatchedAdam:
    """Same arithmetic as src/Training/Experiments/XorPrelu/BatchedOptimizer.cs (per-row lr column)."""

    def __init__(self, lr, params):
        self.lr, self.t = lr, 0
        self.m, self.v = torch.zeros_like(params), torch.zeros_like(params)

    def step(self, params, grad):
        self.t += 1
        c1, c2 = 1 - 0.9 ** self.t, 1 - 0.999 ** self.t
        self.m.mul_(0.9).add_(grad, alpha=0.1)
        self.v.mul_(0.999).addcmul_(grad, grad, value=0.001)
        den = self.v.sqrt().div_(math.sqrt(c2)).add_(1e-8)
        params.addcdiv_(self.m * self.lr, den, value=-1 / c1)   # (the C# writes these two into kept buffers; same arithmetic)


def lr_grid(lo=1e-3, hi=1.0, points=13):
    a, b = math.log10(lo), math.log10(hi)
    return [lo if i == 0 else hi if i == points - 1 else 10 ** (a + (b - a) * i / (points - 1)) for i in range(points)]


def xor_step_script():
    """The TorchScript text of TrainingBench's XorStepScript (whole points-major step: forward, autograd.grad, Adam)."""
    src = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "TrainingBench", "Program.cs"), encoding="utf-8").read()
    start = src.index('XorStepScript = """') + len('XorStepScript = """')
    return src[start:src.index('""";', start)].strip("\n") + "\n"


def xor_jit(trials):
    """--case xor-jit: the same script compiled by torch.jit.CompilationUnit (TorchSharp: torch.jit.compile)."""
    lrs = lr_grid()
    rows = len(lrs) * trials
    inputs_t, targets = xor_inputs()
    init = (torch.rand(trials, WIDTH) * 2 - 1) / math.sqrt(2)
    init[:, 2] = 0.25
    init[:, 6] = 0.25
    theta_t = init.unsqueeze(0).expand(len(lrs), trials, WIDTH).reshape(rows, WIDTH).t().contiguous().requires_grad_(True)
    lr = torch.tensor(lrs, dtype=torch.float32).view(-1, 1, 1).expand(len(lrs), trials, 1).reshape(1, rows)
    m, v = torch.zeros_like(theta_t), torch.zeros_like(theta_t)
    x, tcol = inputs_t.t().contiguous(), targets.view(4, 1)
    unit = torch.jit.CompilationUnit(xor_step_script())
    k = [0]

    def step():
        k[0] += 1
        unit.step(theta_t, x, tcol, m, v, lr, 1 - 0.9 ** k[0], math.sqrt(1 - 0.999 ** k[0]))
    s = timed(step, 20, 100 if ARGS.quick else 200)
    emit(f"xor_{rows * 4}models_jit", "ms_per_step", s * 1e3, "ms", rows=rows, models=rows * 4)


def xor(trials, profile_seconds=0, points_major=False, suffix=""):
    lrs = lr_grid()
    rows = len(lrs) * trials
    inputs_t, targets = xor_inputs()
    bound = 1 / math.sqrt(2)
    init = (torch.rand(trials, WIDTH) * 2 - 1) * bound
    init[:, 2] = 0.25
    init[:, 6] = 0.25
    theta = init.unsqueeze(0).expand(len(lrs), trials, WIDTH).reshape(rows, WIDTH).clone().requires_grad_(True)
    lr = torch.tensor(lrs, dtype=torch.float32).view(-1, 1, 1).expand(len(lrs), trials, 1).reshape(rows, 1)
    opt = BatchedAdam(lr, theta)

    def step():
        outputs = xor_forward(theta, inputs_t)
        loss = (outputs - targets).square().mean(-1)
        grad, = torch.autograd.grad([loss.sum()], [theta])
        with torch.no_grad():
            opt.step(theta, grad)
    if points_major:   # --case xor-pm: the same program in the layout LayerLab's trainer uses
        theta_t = theta.detach().t().contiguous().requires_grad_(True)
        opt_t = BatchedAdam(lr.t().contiguous(), theta_t)
        x, targets_col = inputs_t.t().contiguous(), targets.view(4, 1)

        def step():
            outputs = xor_forward_points_major(theta_t, x)
            loss = (outputs - targets_col).square().sum().mul(0.25)
            grad, = torch.autograd.grad([loss], [theta_t])
            with torch.no_grad():
                opt_t.step(theta_t, grad)
    if profile_seconds:   # --case xor-profile: no timing, just steps for this long (for perf record)
        end, n = time.perf_counter() + profile_seconds, 0
        while time.perf_counter() < end:
            step()
            n += 1
        emit("xor_profile_steps", "steps", n, "steps")
        return
    s = timed(step, 20, 100 if ARGS.quick else 200)
    emit(f"xor_{rows * 4}models" + ("_pointsmajor" if points_major else suffix), "ms_per_step", s * 1e3, "ms", rows=rows, models=rows * 4)


def xor_ops():
    """--case xor-ops: CPU µs of single ops at the XOR step's shapes (same list as TrainingBench XorOps)."""
    a, b, c, w, x = torch.randn(1300, 4), torch.randn(1300, 4, 4), torch.randn(1300, 1), torch.randn(1300, 19), torch.randn(2, 4)

    def t(name, op):
        def block():
            for _ in range(100):
                op()
        emit("op_" + name, "us_per_op", timed(block, 3, 50) / 100 * 1e6, "µs")
    t("sum_last_1300x4", lambda: a.sum(-1))
    t("mean_last_1300x4x4", lambda: b.mean(-1))
    t("sum_all_1300x4x4", lambda: b.sum())
    t("mul_bcast_1300x4_1300x1", lambda: a.mul(c))
    t("mul_1300x4", lambda: a.mul(a))
    t("where_1300x4", lambda: torch.where(a.ge(0), a, a))
    t("tanh_1300x2x4", lambda: b.narrow(1, 0, 2).tanh())
    t("mm_strided_1300x2_2x4", lambda: w.narrow(1, 0, 2).mm(x))
    t("bmm_1300x2x2_2x4", lambda: w.narrow(1, 7, 4).reshape(1300, 2, 2).matmul(x))
    t("stack_4x1300x4", lambda: torch.stack([a, a, a, a], 1))
    t("add__1300x19", lambda: w.add_(w))
    t("empty_1300x4", lambda: torch.empty(1300, 4))


# ---- 3b. tiny models: 1,024 PReLU XOR models batched vs one at a time --------------------------------------------
def prelu_forward(w, a, inputs_t):
    z = w.matmul(inputs_t)
    return torch.where(z.ge(0), z, a * z)


def tiny():
    models = 1024
    inputs_t, targets = xor_inputs()
    init = (torch.rand(models, 3) * 2 - 1) / math.sqrt(2)
    init[:, 2] = 0.25
    theta = init.clone().requires_grad_(True)
    opt = BatchedAdam(torch.full((models, 1), 0.05), theta)

    def step():
        w, a = theta.split([2, 1], 1)
        loss = (prelu_forward(w, a, inputs_t) - targets).square().mean(-1)
        grad, = torch.autograd.grad([loss.sum()], [theta])
        with torch.no_grad():
            opt.step(theta, grad)
    s = timed(step, 20, 100 if ARGS.quick else 300)
    emit("tiny_batched", "model_steps_per_s", models / s, "models·steps/s")

    loop_models, loop_steps = (16 if ARGS.quick else 32), 20
    start = None
    for m in range(loop_models + 2):
        if m == 2:
            start = time.perf_counter()
        w = torch.nn.Parameter(init[m].clone())
        adam = torch.optim.Adam([w], lr=0.05)
        for _ in range(loop_steps):
            loss = (prelu_forward(w[0:2], w[2:3], inputs_t) - targets).square().mean()
            adam.zero_grad()
            loss.backward()
            adam.step()
    emit("tiny_loop", "model_steps_per_s", loop_models * loop_steps / (time.perf_counter() - start), "models·steps/s")


# ---- 4. linear-attention ICL step: a copy of IclModel.Forward (1 layer, 1 head, linear) + IclTrainer's Adam -------
def icl():
    d, n, batch = 10, 10, 512
    e, t = d + 1, n + 1
    theta = (torch.randn(4 * e * e) * 0.1).requires_grad_(True)
    m, v = torch.zeros_like(theta), torch.zeros_like(theta)
    g = torch.Generator().manual_seed(7)
    tokens = torch.randn(batch, t, e, generator=g).mul_(0.3)
    target = torch.randn(batch, generator=g)
    k = [0]

    def forward():
        q_, k_, v_, p_ = (part.view(1, e, e) for part in theta.split([e * e] * 4, 0))
        x = tokens
        a4 = x.unsqueeze(1)
        ctx = a4.narrow(2, 0, n)
        q = a4.matmul(q_.transpose(-1, -2))
        kk = ctx.matmul(k_.transpose(-1, -2))
        vv = ctx.matmul(v_.transpose(-1, -2))
        heads = q.matmul(kk.transpose(-1, -2).matmul(vv)).mul(1.0 / n)
        x = x.add(heads.matmul(p_.transpose(-1, -2)).sum(1), alpha=1.0)
        return x.select(1, n).select(1, d).neg()

    def step():
        loss = forward().add(target, alpha=-1.0).square().mean().mul(0.5)
        grad, = torch.autograd.grad([loss], [theta])
        with torch.no_grad():
            k[0] += 1
            m.mul_(0.9).add_(grad, alpha=0.1)
            v.mul_(0.999).addcmul_(grad, grad, value=0.001)
            den = v.sqrt().div_(math.sqrt(1 - 0.999 ** k[0])).add_(1e-8)
            theta.addcdiv_(m, den, value=-1e-3 / (1 - 0.9 ** k[0]))
        loss.item()
    s = timed(step, 10, 50 if ARGS.quick else 100)
    emit("icl_linreg", "ms_per_step", s * 1e3, "ms")


# ---- 5. transformer LM step (bench-only; identical in Program.cs) ------------------------------------------------
VOCAB, D, HEADS, CONTEXT, BATCH = 256, 128, 4, 128, 32


def lm(layers, iterations):
    g = torch.Generator().manual_seed(11)
    ps = []

    def P(init):
        p = torch.nn.Parameter(init)
        ps.append(p)
        return p

    def normal(*shape):
        return P(torch.randn(*shape, generator=g).mul_(0.02))

    def zeros(*shape):
        return P(torch.zeros(*shape))

    def ones(*shape):
        return P(torch.ones(*shape))

    wte, wpe = normal(VOCAB, D), normal(CONTEXT, D)
    blocks = [[ones(D), zeros(D), normal(3 * D, D), zeros(3 * D), normal(D, D), zeros(D),
               ones(D), zeros(D), normal(4 * D, D), zeros(4 * D), normal(D, 4 * D), zeros(D)] for _ in range(layers)]
    lnf_g, lnf_b, head = ones(D), zeros(D), normal(VOCAB, D)
    adamw = torch.optim.AdamW(ps, lr=3e-4, weight_decay=0.01)
    data = torch.randint(0, VOCAB, (BATCH, CONTEXT + 1), generator=g)
    inp, target = data[:, :CONTEXT].contiguous(), data[:, 1:].contiguous()
    mask = torch.ones(CONTEXT, CONTEXT).triu(1).mul(float("-inf")).nan_to_num(0, float("-inf"))
    scale, dh = 1.0 / math.sqrt(D // HEADS), D // HEADS

    def forward():
        x = wte.index_select(0, inp.view(-1)).view(BATCH, CONTEXT, D) + wpe
        for b in blocks:
            h = F.layer_norm(x, [D], b[0], b[1])
            qkv = F.linear(h, b[2], b[3]).view(BATCH, CONTEXT, 3, HEADS, dh).permute(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            att = q.matmul(k.transpose(-2, -1)).mul_(scale).add_(mask).softmax(-1)
            y = att.matmul(v).transpose(1, 2).reshape(BATCH, CONTEXT, D)
            x = x + F.linear(y, b[4], b[5])
            h = F.layer_norm(x, [D], b[6], b[7])
            x = x + F.linear(F.gelu(F.linear(h, b[8], b[9])), b[10], b[11])
        x = F.layer_norm(x, [D], lnf_g, lnf_b)
        return F.cross_entropy(F.linear(x, head).view(-1, VOCAB), target.view(-1))

    def step():
        loss = forward()
        adamw.zero_grad()
        loss.backward()
        adamw.step()
    s = timed(step, 2, iterations)
    matmul_params = layers * 12 * D * D + VOCAB * D
    tokens = BATCH * CONTEXT
    flops = 6.0 * matmul_params * tokens + layers * 12.0 * BATCH * CONTEXT * CONTEXT * D
    emit(f"lm{layers}", "ms_per_step", s * 1e3, "ms", tokens_per_s=tokens / s, gflops=flops / s / 1e9,
         flops_per_step=flops, params=sum(p.numel() for p in ps))


# ---- tiny-lm: the experiment's TinyTransformer (src/Training/Experiments/TinyLm) at the run defaults ---------------
class TinyBlock(torch.nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = torch.nn.LayerNorm(width), torch.nn.LayerNorm(width)
        self.qkv, self.proj = torch.nn.Linear(width, 3 * width), torch.nn.Linear(width, width)
        self.up, self.down = torch.nn.Linear(width, 4 * width), torch.nn.Linear(4 * width, width)

    def forward(self, x):
        b, l, d = x.shape
        hd = d // self.heads
        q, k, v = self.qkv(self.norm1(x)).reshape(b, l, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
        scores = q.matmul(k.transpose(-1, -2)).mul_(1 / math.sqrt(hd))
        future = torch.ones(l, l, dtype=torch.bool).triu(1)
        attn = scores.masked_fill_(future, float("-inf")).softmax(-1)
        x = x + self.proj(attn.matmul(v).transpose(1, 2).reshape(b, l, d))
        return x + self.down(F.gelu(self.up(self.norm2(x))))


class TinyTransformer(torch.nn.Module):
    def __init__(self, vocab, layers, width, heads, context):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, width)
        self.positions = torch.nn.Parameter(torch.randn(context, width) * 0.02)
        self.blocks = torch.nn.ModuleList([TinyBlock(width, heads) for _ in range(layers)])
        self.norm, self.head = torch.nn.LayerNorm(width), torch.nn.Linear(width, vocab)

    def forward(self, x):
        h = self.embed(x) + self.positions[: x.shape[1]]
        for block in self.blocks:
            h = block(h)
        return self.head(self.norm(h))


def tinylm(iterations, vocab):
    # tiny-lm defaults (TinyLmSettings.Default): 1 layer, 2 heads, width 64, context 64, batch 32, AdamW 3e-3 (0.9, 0.99), wd 0.01.
    layers, heads, width, context, batch = 1, 2, 64, 64, 32
    model = TinyTransformer(vocab, layers, width, heads, context)
    adamw = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.99), weight_decay=0.01)
    data = torch.randint(0, vocab, (batch, context + 1), generator=torch.Generator().manual_seed(11))

    def step():
        logits = model(data[:, :context])
        loss = F.cross_entropy(logits.reshape(-1, vocab), data[:, 1:].reshape(-1))
        adamw.zero_grad()
        loss.backward()
        adamw.step()
    s = timed(step, 5, iterations)
    emit("tinylm", "tokens_per_s", batch * context / s, "tokens/s", ms_per_step=s * 1e3,
         params=sum(p.numel() for p in model.parameters()), vocab=vocab)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--case", default="mm,dispatch,xor,tiny,icl,lm1,lm4")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--round", type=int, default=0)
    ap.add_argument("--label", default="pytorch")
    ap.add_argument("--vocab", type=int, default=48)
    ARGS = ap.parse_args()
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(0)
    for c in ARGS.case.split(","):
        if c == "mm":
            matmul(512, 20 if ARGS.quick else 40)
            matmul(1024, 5 if ARGS.quick else 10)
        elif c == "dispatch":
            dispatch()
        elif c == "xor":
            xor(100)
            xor(400)
        elif c == "xor-rowmajor":   # the peer's program again, under the name TrainingBench gives LayerLab's old one
            xor(100, suffix="_rowmajor")
            xor(400, suffix="_rowmajor")
        elif c == "xor-pm":
            xor(100, points_major=True)
            xor(400, points_major=True)
        elif c == "xor-jit":
            xor_jit(100)
            xor_jit(400)
        elif c == "xor-ops":
            xor_ops()
        elif c == "xor-profile":
            xor(100, profile_seconds=8)
        elif c == "tiny":
            tiny()
        elif c == "icl":
            icl()
        elif c == "lm1":
            lm(1, 4 if ARGS.quick else 8)
        elif c == "lm4":
            lm(4, 2 if ARGS.quick else 3)
        elif c == "tinylm":
            tinylm(20 if ARGS.quick else 60, ARGS.vocab)
        elif c:
            raise SystemExit(f"unknown case {c}")


if __name__ == "__main__":
    main()
