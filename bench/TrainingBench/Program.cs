using System.Runtime.InteropServices;
// TorchSharp side of bench/training-vs-pytorch.sh (issue #7). Mirrors bench/training_bench.py case by case:
// same models, same shapes, same thread count. Prints one JSON line per measurement.
//   dotnet TrainingBench.dll --threads 1 [--case mm,dispatch,xor,tiny,icl,lm1,lm4,xor-default,xor-seeds] [--quick] [--round N]
// XOR profiling and before/after cases (docs/benchmarks.md, "Training step vs PyTorch (2026-11-23)"): xor-rowmajor (the
// program before), xor-pm (the real one under the name of PyTorch's points-major copy), xor-jit (one TorchScript step),
// xor-forms, xor-phases, xor-ops, xor-profile / xor-profile-rowmajor (8 s of steps for perf record).
using System.Diagnostics;
using System.Globalization;
using LayerLab.Training.Experiments.IclLinReg;
using LayerLab.Training.Experiments.Shared;
using LayerLab.Training.Experiments.XorPrelu;
using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Bench.Training;

internal static class Program
{
    private static int _threads = 1;
    private static bool _quick;
    private static int _round;

    private static int Main(string[] args)
    {
        var cases = "mm,dispatch,xor,tiny,icl,lm1,lm4";
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threads": _threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--case": cases = args[++i]; break;
                case "--quick": _quick = true; break;
                case "--round": _round = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }
        torch.set_num_threads(_threads);
        manual_seed(0);
        foreach (var c in cases.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (c)
            {
                case "mm": Matmul(512, _quick ? 20 : 40); Matmul(1024, _quick ? 5 : 10); break;
                case "dispatch": Dispatch(); break;
                case "xor": Xor(100); Xor(400); break;
                case "xor-rowmajor": Xor(100, rowMajor: true); Xor(400, rowMajor: true); break;
                // The real program again under the name training_bench.py gives its points-major copy (same-layout ratio).
                case "xor-pm": Xor(100, suffix: "_pointsmajor"); Xor(400, suffix: "_pointsmajor"); break;
                case "xor-profile": Xor(100, profileSeconds: 8); break;
                case "xor-profile-rowmajor": Xor(100, profileSeconds: 8, rowMajor: true); break;
                case "xor-phases": XorPhases(); break;
                case "xor-ops": XorOps(); break;
                case "xor-jit": XorJit(100); XorJit(400); break;
                case "xor-forms": XorForms(); break;
                case "tiny": Tiny(); break;
                case "icl": Icl(); break;
                case "lm1": Lm(1, _quick ? 4 : 8); break;
                case "lm4": Lm(4, _quick ? 2 : 3); break;
                case "xor-default": XorDefault(); break;
                case "xor-seeds": XorSeeds(); break;
                case "tinylm": TinyLmBench.Steps(_quick ? 20 : 60, "torchsharp", _round); break;
                case "tinylm-run": TinyLmBench.DefaultRun(); break;
                case var study when study.StartsWith("tinylm-study:", StringComparison.Ordinal): TinyLmBench.Study(study["tinylm-study:".Length..]); break;
                case "wide-run": WideAttentionBench.DefaultRun(""); break;
                case var wide when wide.StartsWith("wide-run:", StringComparison.Ordinal): WideAttentionBench.DefaultRun(wide["wide-run:".Length..]); break;
                case "wide-study": WideAttentionBench.Study(); break;
                default: Console.Error.WriteLine($"unknown case {c}"); return 2;
            }
        }
        return 0;
    }

    private static void Emit(string name, string metric, double value, string unit, string extra = "")
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"impl\":\"torchsharp\",\"case\":\"{name}\",\"threads\":{_threads},\"round\":{_round},\"metric\":\"{metric}\",\"value\":{value:R},\"unit\":\"{unit}\"{extra}}}"));
        Console.Out.Flush();
    }

    /// <summary>Seconds per call of <paramref name="step"/> over <paramref name="iterations"/> calls, after warm-up.</summary>
    /// BENCH_CLOCK=cpu: this thread's CPU time (user + system, CLOCK_THREAD_CPUTIME_ID) instead of wall time, for
    /// 1-thread runs on a loaded machine: time spent descheduled does not count (page faults and kernel time do).
    private static double Time(Action step, int warmup, int iterations)
    {
        for (var i = 0; i < warmup; i++) step();
        if (CpuClock)
        {
            var c0 = ThreadCpuSeconds();
            for (var i = 0; i < iterations; i++) step();
            return (ThreadCpuSeconds() - c0) / iterations;
        }
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++) step();
        return watch.Elapsed.TotalSeconds / iterations;
    }

    private static readonly bool CpuClock = Environment.GetEnvironmentVariable("BENCH_CLOCK") == "cpu";

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec { public long Seconds; public long Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec value);

    private static double ThreadCpuSeconds()
    {
        const int ClockThreadCpuTimeId = 3;
        if (ClockGetTime(ClockThreadCpuTimeId, out var t) != 0) throw new InvalidOperationException("clock_gettime failed");
        return t.Seconds + (t.Nanoseconds / 1e9);
    }

    // ---- 1. matmul GFLOP/s -------------------------------------------------------------------------------------
    private static void Matmul(int n, int iterations)
    {
        using var a = randn(n, n);
        using var b = randn(n, n);
        var s = Time(() => { using var scope = NewDisposeScope(); mm(a, b); }, 3, iterations);
        Emit($"mm{n}", "gflops", 2.0 * n * n * n / s / 1e9, "GFLOP/s");
    }

    // ---- 2. per-op dispatch --------------------------------------------------------------------------------------
    private static void Dispatch()
    {
        using var a = randn(4);
        using var b = randn(4);
        const int Block = 1000;
        var blocks = _quick ? 20 : 50;
        // Out of place: one new tensor per op; one dispose scope per 1,000 ops (like the ops of one training step).
        var s = Time(() =>
        {
            using var scope = NewDisposeScope();
            for (var i = 0; i < Block; i++) _ = a + b;
        }, 5, blocks);
        Emit("add4", "us_per_op", s / Block * 1e6, "µs/op");
        // In place: no allocation on either side of the interop boundary except the returned wrapper.
        using var c = zeros(4);
        s = Time(() =>
        {
            using var scope = NewDisposeScope();
            for (var i = 0; i < Block; i++) c.add_(b);
        }, 5, blocks);
        Emit("add4_inplace", "us_per_op", s / Block * 1e6, "µs/op");
    }

    // ---- 3a. the batched XOR program (real experiment code: XorModels.ForwardPointsMajor + BatchedAdam) ----------
    /// <param name="profileSeconds">`--case xor-profile`: no timing, just steps for this long (for perf record).</param>
    /// <param name="rowMajor">`--case xor-rowmajor`: the program as it was before 2026-11-23 (θ [rows, 19], per-point
    /// tensors [rows, 4]; <see cref="ForwardRowMajorBefore"/>), for before/after runs.</param>
    private static void Xor(int trials, double profileSeconds = 0, bool rowMajor = false, string suffix = "")
    {
        var settings = XorPreluSettings.Default;
        var lrs = settings.LearningRates();
        var lrCount = lrs.Length;
        long rows = (long)lrCount * trials;                             // 13 × 100 = 1,300 rows = 5,200 models (the default)
        var init = XorModels.InitialParameters(trials, 1, settings.InitScale);
        using var inputsT = XorData.InputsTransposed(settings.Coding, CPU);
        using var inputs = XorData.InputsTensor(settings.Coding, CPU);
        using var targets = XorData.TargetTensor(CPU);
        using var targetColumn = Detached(() => targets.view(XorData.Points, 1));
        using var theta = Detached(() => tensor(init, [1, trials, XorModels.Width]).expand(lrCount, trials, XorModels.Width)
            .reshape(rows, XorModels.Width));
        using var lrColumn = Detached(() => tensor(lrs.Select(l => (float)l).ToArray(), [lrCount, 1, 1])
            .expand(lrCount, trials, 1).reshape(rows, 1));
        // As XorTrainer.RunSeeds lays them out: θᵀ [Width, rows], a learning-rate row [1, rows].
        using var trained = Detached(() => (rowMajor ? theta.clone() : theta.t().contiguous()).requires_grad_(true));
        using var optimizer = BatchedOptimizer.Create(OptimizerKind.Adam,
            Detached(() => rowMajor ? lrColumn.clone() : lrColumn.t().contiguous()), trained);
        // The loop body of XorTrainer.RunSeeds without its live report (every 5th epoch: one small .cpu() copy).
        void Step()
        {
            using var scope = NewDisposeScope();
            Tensor loss;
            if (rowMajor) loss = (ForwardRowMajorBefore(trained, inputsT) - targets).square().mean([-1]).sum();
            else loss = XorModels.TotalLoss(XorModels.ForwardPointsMajor(trained, inputs, MlpActivation.Tanh), targetColumn);
            var gradient = autograd.grad([loss], [trained])[0];
            using (no_grad()) optimizer.Step(trained, gradient);
        }
        if (profileSeconds > 0)
        {
            var until = Stopwatch.StartNew();
            var n = 0;
            while (until.Elapsed.TotalSeconds < profileSeconds) { Step(); n++; }
            Emit("xor_profile_steps" + (rowMajor ? "_rowmajor" : ""), "steps", n, "steps");
            return;
        }
        var s = Time(Step, 20, _quick ? 100 : 200);
        Emit($"xor_{rows * 4}models" + (rowMajor ? "_rowmajor" : suffix), "ms_per_step", s * 1e3, "ms", $",\"rows\":{rows},\"models\":{rows * 4}");
    }

    private static readonly long[] XorSections = [2, 1, 2, 1, 1, 4, 2, 2, 1, 2, 1];

    /// <summary>XorModels.Forward as it was before 2026-11-23 (row-major, [rows, 4 models, 4 points]); the Python
    /// peer's xor_forward is the same program.</summary>
    private static Tensor ForwardRowMajorBefore(Tensor theta, Tensor inputsT)
    {
        var rows = theta.shape[0];
        var p = theta.split(XorSections, 1);
        var zp = p[0].matmul(inputsT);
        var yPrelu = where(zp.ge(ZeroScalar), zp, p[1] * zp);
        var zb = addmm(p[3], p[2], inputsT, 1, 1);
        var yPreluBias = where(zb.ge(ZeroScalar), zb, p[4] * zb);
        var h = p[5].view(rows, 2, 2).matmul(inputsT) + p[6].unsqueeze(-1);
        var yMlp = p[7].unsqueeze(1).matmul(h.tanh()).squeeze(1) + p[8];
        var zg = addmm(p[10], p[9], inputsT, 1, 1);
        return stack([yPrelu, yPreluBias, yMlp, zg * zg.cos()], 1);
    }

    /// <summary>`--case xor-phases`: thread CPU µs per step in forward, loss, autograd.grad and BatchedAdam (default size, the real points-major program).</summary>
    private static void XorPhases()
    {
        var settings = XorPreluSettings.Default;
        var lrs = settings.LearningRates();
        const int trials = 100;
        long rows = lrs.Length * trials;
        var init = XorModels.InitialParameters(trials, 1, settings.InitScale);
        using var inputs = XorData.InputsTensor(settings.Coding, CPU);
        using var targets = XorData.TargetTensor(CPU);
        using var targetColumn = Detached(() => targets.view(XorData.Points, 1));
        using var theta = Detached(() => tensor(init, [1, trials, XorModels.Width]).expand(lrs.Length, trials, XorModels.Width)
            .reshape(rows, XorModels.Width).t().contiguous().requires_grad_(true));
        var lrRow = Detached(() => tensor(lrs.Select(l => (float)l).ToArray(), [lrs.Length, 1, 1]).expand(lrs.Length, trials, 1).reshape(1, rows));
        using var optimizer = BatchedOptimizer.Create(OptimizerKind.Adam, lrRow, theta);
        var acc = new double[5];
        const int Warmup = 200, Steps = 3000;
        for (var i = 0; i < Warmup + Steps; i++)
        {
            var t0 = ThreadCpuSeconds();
            var scope = NewDisposeScope();
            var outputs = XorModels.ForwardPointsMajor(theta, inputs, MlpActivation.Tanh);
            var t1 = ThreadCpuSeconds();
            var loss = XorModels.TotalLoss(outputs, targetColumn);
            var t2 = ThreadCpuSeconds();
            var gradient = autograd.grad([loss], [theta])[0];
            var t3 = ThreadCpuSeconds();
            using (no_grad()) optimizer.Step(theta, gradient);
            var t4 = ThreadCpuSeconds();
            scope.Dispose();
            var t5 = ThreadCpuSeconds();
            if (i < Warmup) continue;
            acc[0] += t1 - t0; acc[1] += t2 - t1; acc[2] += t3 - t2; acc[3] += t4 - t3; acc[4] += t5 - t4;
        }
        string[] names = ["forward", "loss", "grad", "adam", "dispose"];
        for (var k = 0; k < names.Length; k++) Emit($"xor_phase_{names[k]}", "us_per_step", acc[k] / Steps * 1e6, "µs");
    }

    /// <summary>
    /// The whole points-major step (forward, torch.autograd.grad, Adam) as one TorchScript function: the same text runs
    /// here through torch.jit.compile and in training_bench.py through torch.jit.CompilationUnit (`--case xor-jit`).
    /// </summary>
    internal const string XorStepScript = """
def step(theta: Tensor, x: Tensor, tcol: Tensor, m: Tensor, v: Tensor, lr: Tensor, c1: float, sc2: float) -> Tensor:
    rows = theta.size(1)
    p = torch.split_with_sizes(theta, [2, 1, 2, 1, 1, 4, 2, 2, 1, 2, 1], 0)
    zp = x.mm(p[0])
    y0 = torch.where(zp >= 0, zp, p[1] * zp)
    zb = torch.addmm(p[3], x, p[2])
    y1 = torch.where(zb >= 0, zb, p[4] * zb)
    h = x.matmul(p[5].view(2, 2, rows)) + p[6].unsqueeze(1)
    y2 = (h.tanh() * p[7].unsqueeze(1)).sum(0) + p[8]
    zg = torch.addmm(p[10], x, p[9])
    y = torch.stack([y0, y1, y2, zg * zg.cos()], 0)
    loss = (y - tcol).square().sum() * 0.25
    grads = torch.autograd.grad([loss], [theta])
    g = grads[0]
    assert g is not None
    m.mul_(0.9).add_(g, alpha=0.1)
    v.mul_(0.999).addcmul_(g, g, value=0.001)
    den = v.sqrt().div_(sc2).add_(1e-8)
    theta.detach().addcdiv_(m * lr, den, value=-1.0 / c1)
    return loss
""";

    private static void XorJit(int trials)
    {
        var settings = XorPreluSettings.Default;
        var lrs = settings.LearningRates();
        long rows = (long)lrs.Length * trials;
        var init = XorModels.InitialParameters(trials, 1, settings.InitScale);
        using var inputs = XorData.InputsTensor(settings.Coding, CPU);
        using var targets = XorData.TargetTensor(CPU);
        using var targetColumn = Detached(() => targets.view(XorData.Points, 1));
        using var thetaT = Detached(() => tensor(init, [1, trials, XorModels.Width]).expand(lrs.Length, trials, XorModels.Width)
            .reshape(rows, XorModels.Width).t().contiguous().requires_grad_(true));
        using var lrRow = Detached(() => tensor(lrs.Select(l => (float)l).ToArray(), [lrs.Length, 1, 1]).expand(lrs.Length, trials, 1).reshape(1, rows));
        using var m = zeros_like(thetaT);
        using var v = zeros_like(thetaT);
        using var unit = jit.compile(XorStepScript + "\n");
        var t = 0;
        var s = Time(() =>
        {
            using var scope = NewDisposeScope();
            t++;
            unit.invoke("step", thetaT, inputs, targetColumn, m, v, lrRow, 1 - Math.Pow(0.9, t), Math.Sqrt(1 - Math.Pow(0.999, t)));
        }, 20, _quick ? 100 : 200);
        Emit($"xor_{rows * 4}models_jit", "ms_per_step", s * 1e3, "ms", $",\"rows\":{rows},\"models\":{rows * 4}");
    }

    /// <summary>`--case xor-ops`: thread CPU µs of single ops at the XOR step's shapes (same list in training_bench.py).</summary>
    private static void XorOps()
    {
        using var a = randn(1300, 4);
        using var b = randn(1300, 4, 4);
        using var c = randn(1300, 1);
        using var w = randn(1300, 19);
        using var x = randn(2, 4);
        void T(string name, Action op)
        {
            var s = Time(() => { using var scope = NewDisposeScope(); for (var i = 0; i < 100; i++) op(); }, 3, 50);
            Emit("op_" + name, "us_per_op", s / 100 * 1e6, "µs");
        }
        T("sum_last_1300x4", () => a.sum(-1));
        T("mean_last_1300x4x4", () => b.mean([-1]));
        T("sum_all_1300x4x4", () => b.sum());
        T("mul_bcast_1300x4_1300x1", () => a.mul(c));
        T("mul_1300x4", () => a.mul(a));
        T("where_1300x4", () => where(a.ge(ZeroScalar), a, a));
        T("tanh_1300x2x4", () => b.narrow(1, 0, 2).tanh());
        T("mm_strided_1300x2_2x4", () => w.narrow(1, 0, 2).mm(x));
        T("bmm_1300x2x2_2x4", () => w.narrow(1, 7, 4).reshape(1300, 2, 2).matmul(x));
        T("stack_4x1300x4", () => stack([a, a, a, a], 1));
        T("add__1300x19", () => w.add_(w));
        T("empty_1300x4", () => empty(1300, 4));
    }

    private static readonly Scalar ZeroScalar = 0.0f.ToScalar();
    private static readonly Scalar OneScalar = 1.0f.ToScalar();

    /// <summary>
    /// `--case xor-forms`: the row-major forward as it was before 2026-11-23 (each model's own mm/addmm/bmm on inner
    /// dimension 2) against three rewrites: all pre-activations as one [rows, 19] × [19, 20] GEMM, every contraction as
    /// broadcast multiply-adds (neither faster), and the points-major program XorTrainer runs since 2026-11-23.
    /// Default size, blocks of 50 steps rotating the order, one line per block and form (use BENCH_CLOCK=cpu on a
    /// loaded machine; docs/benchmarks.md).
    /// </summary>
    private static void XorForms()
    {
        var settings = XorPreluSettings.Default;
        var lrs = settings.LearningRates();
        const int trials = 100;
        long rows = lrs.Length * trials;
        var init = XorModels.InitialParameters(trials, 1, settings.InitScale);
        using var inputsT = XorData.InputsTransposed(settings.Coding, CPU);
        using var map = LinearMap(inputsT);
        using var targets = XorData.TargetTensor(CPU);
        Tensor Theta() => Detached(() => tensor(init, [1, trials, XorModels.Width]).expand(lrs.Length, trials, XorModels.Width)
            .reshape(rows, XorModels.Width).requires_grad_(true));
        Tensor Lr() => Detached(() => tensor(lrs.Select(l => (float)l).ToArray(), [lrs.Length, 1, 1]).expand(lrs.Length, trials, 1).reshape(rows, 1));
        using var thetaA = Theta();
        using var thetaB = Theta();
        using var optA = BatchedOptimizer.Create(OptimizerKind.Adam, Lr(), thetaA);
        using var optB = BatchedOptimizer.Create(OptimizerKind.Adam, Lr(), thetaB);
        Action Step(Tensor theta, BatchedOptimizer opt, bool real) => () =>
        {
            using var scope = NewDisposeScope();
            var outputs = real ? ForwardRowMajorBefore(theta, inputsT) : ForwardGemmForm(theta, map);
            var loss = (outputs - targets).square().mean([-1]);
            var gradient = autograd.grad([loss.sum()], [theta])[0];
            using (no_grad()) opt.Step(theta, gradient);
        };
        using var thetaC = Theta();
        using var optC = BatchedOptimizer.Create(OptimizerKind.Adam, Lr(), thetaC);
        using var x0 = Detached(() => inputsT.select(0, 0).contiguous());
        using var x1 = Detached(() => inputsT.select(0, 1).contiguous());
        // Points-major: θᵀ [19, rows], every per-point tensor [4, rows] (reductions over points run over the outer dim).
        using var thetaT = Detached(() => Theta().t().contiguous().requires_grad_(true));
        using var optT = BatchedOptimizer.Create(OptimizerKind.Adam, Detached(() => Lr().t().contiguous()), thetaT);
        using var x = Detached(() => inputsT.t().contiguous());                       // X [4, 2]
        using var targetsCol = Detached(() => targets.view(4, 1));
        var forms = new (string Name, Action Step)[]
        {
            ("xor_form_pointsmajor", () =>
            {
                using var scope = NewDisposeScope();
                var outputs = XorModels.ForwardPointsMajor(thetaT, x, MlpActivation.Tanh);
                var loss = XorModels.TotalLoss(outputs, targetsCol);
                var gradient = autograd.grad([loss], [thetaT])[0];
                using (no_grad()) optT.Step(thetaT, gradient);
            }),
            ("xor_form_gemm", Step(thetaA, optA, false)),
            ("xor_form_rowmajor_before", Step(thetaB, optB, true)),
            ("xor_form_broadcast", () =>
            {
                using var scope = NewDisposeScope();
                var outputs = ForwardBroadcastForm(thetaC, x0, x1);
                var loss = (outputs - targets).square().mean([-1]);
                var gradient = autograd.grad([loss.sum()], [thetaC])[0];
                using (no_grad()) optC.Step(thetaC, gradient);
            }),
        };
        for (var block = 0; block < 12; block++)
            for (var k = 0; k < forms.Length; k++)
            {
                var (name, step) = forms[(block + k) % forms.Length];
                Emit(name, "ms_per_step", Time(step, 5, 50) * 1e3, "ms", $",\"block\":{block}");
            }
    }

    // Every 2-input contraction as broadcast multiply-adds against the 4 constant points (no GEMM at all).
    private static Tensor ForwardBroadcastForm(Tensor theta, Tensor x0, Tensor x1)
    {
        var rows = theta.shape[0];
        var p = theta.split([1, 1, 1, 1, 1, 1, 1, 4, 2, 2, 1, 1, 1, 1], 1);
        // 0 pw1, 1 pw2, 2 pa, 3 bw1, 4 bw2, 5 bb, 6 ba, 7 W1 (4), 8 b1 (2), 9 w2 (2), 10 b2, 11 gw1, 12 gw2, 13 gb
        var zp = addcmul(p[0] * x0, p[1], x1, OneScalar);
        var yPrelu = where(zp.ge(ZeroScalar), zp, p[2] * zp);
        var zb = addcmul(addcmul(p[5], p[3], x0, OneScalar), p[4], x1, OneScalar);
        var yPreluBias = where(zb.ge(ZeroScalar), zb, p[6] * zb);
        var w1 = p[7].view(rows, 2, 2);
        var h = addcmul(addcmul(p[8].unsqueeze(-1), w1.narrow(2, 0, 1), x0, OneScalar), w1.narrow(2, 1, 1), x1, OneScalar);   // [rows, 2, 4]
        var yMlp = (h.tanh() * p[9].unsqueeze(-1)).sum(1) + p[10];
        var zg = addcmul(addcmul(p[13], p[11], x0, OneScalar), p[12], x1, OneScalar);
        return stack([yPrelu, yPreluBias, yMlp, zg * zg.cos()], 1);
    }

    /// <summary>M [19, 20] with θ·M = every pre-activation on the 4 points: zp 0..3, zb 4..7, h 8..15 (unit j at 8 + 4j), zg 16..19.</summary>
    private static Tensor LinearMap(Tensor inputsT)
    {
        var x = inputsT.contiguous().data<float>().ToArray();     // [2, 4]: x[k * 4 + p]
        var m = new float[XorModels.Width * 20];
        for (var p = 0; p < 4; p++)
        {
            for (var k = 0; k < 2; k++)
            {
                var v = x[(k * 4) + p];
                m[((0 + k) * 20) + p] = v;
                m[((3 + k) * 20) + 4 + p] = v;
                for (var j = 0; j < 2; j++) m[((7 + (2 * j) + k) * 20) + 8 + (4 * j) + p] = v;
                m[((16 + k) * 20) + 16 + p] = v;
            }
            m[(5 * 20) + 4 + p] = 1;
            for (var j = 0; j < 2; j++) m[((11 + j) * 20) + 8 + (4 * j) + p] = 1;
            m[(18 * 20) + 16 + p] = 1;
        }
        return Detached(() => tensor(m, [XorModels.Width, 20]));
    }

    private static Tensor ForwardGemmForm(Tensor theta, Tensor map)
    {
        var rows = theta.shape[0];
        var z = theta.mm(map);
        var p = theta.split([2, 1, 3, 1, 6, 2, 1, 3], 1);
        var zp = z.narrow(1, 0, 4);
        var zb = z.narrow(1, 4, 4);
        var act = z.narrow(1, 8, 8).tanh();
        var zg = z.narrow(1, 16, 4);
        var yMlp = (act.view(rows, 2, 4) * p[5].unsqueeze(-1)).sum(1) + p[6];
        return stack([where(zp.ge(ZeroScalar), zp, p[1] * zp), where(zb.ge(ZeroScalar), zb, p[3] * zb), yMlp, zg * zg.cos()], 1);
    }

    // ---- 3b. tiny models: 1,024 PReLU XOR models batched vs one at a time ----------------------------------------
    private static readonly Scalar Zero = 0.0f.ToScalar();

    private static Tensor PreluForward(Tensor w, Tensor a, Tensor inputsT)
    {
        var z = w.matmul(inputsT);                                     // [rows, 4] or [4]
        return where(z.ge(Zero), z, a * z);
    }

    private static void Tiny()
    {
        const int Models = 1024;
        using var inputsT = XorData.InputsTransposed(InputCoding.PlusMinusOne, CPU);
        using var targets = XorData.TargetTensor(CPU);
        var init = XorModels.InitialParameters(Models, 1, 1.0);       // use columns 0..2 (prelu w₁ w₂ a)
        using var theta = Detached(() => tensor(init, [Models, XorModels.Width]).narrow(1, 0, 3).contiguous().requires_grad_(true));
        var lr = Detached(() => full([Models, 1], 0.05f));
        using var optimizer = BatchedOptimizer.Create(OptimizerKind.Adam, lr, theta);
        long[] sections = [2, 1];
        var steps = _quick ? 100 : 300;
        var s = Time(() =>
        {
            using var scope = NewDisposeScope();
            var p = theta.split(sections, 1);
            var y = PreluForward(p[0], p[1], inputsT);
            var loss = (y - targets).square().mean([-1]);
            var gradient = autograd.grad([loss.sum()], [theta])[0];
            using (no_grad()) optimizer.Step(theta, gradient);
        }, 20, steps);
        Emit("tiny_batched", "model_steps_per_s", Models / s, "models·steps/s");

        // One at a time: the idiomatic loop, one [3] parameter and torch.optim.Adam per model.
        var loopModels = _quick ? 16 : 32;
        const int LoopSteps = 20;
        var watch = new Stopwatch();
        for (var m = 0; m < loopModels + 2; m++)
        {
            if (m == 2) watch.Start();                                   // the first two models are warm-up
            using var outer = NewDisposeScope();
            using var w = new TorchSharp.Modules.Parameter(tensor(init.AsSpan(m * XorModels.Width, 3).ToArray()));
            using var adam = optim.Adam([w], lr: 0.05);
            for (var step = 0; step < LoopSteps; step++)
            {
                using var scope = NewDisposeScope();
                var y = PreluForward(w.narrow(0, 0, 2), w.narrow(0, 2, 1), inputsT);
                var loss = (y - targets).square().mean();
                adam.zero_grad();
                loss.backward();
                adam.step();
            }
        }
        Emit("tiny_loop", "model_steps_per_s", loopModels * LoopSteps / watch.Elapsed.TotalSeconds, "models·steps/s");
    }

    // ---- 3c. the real xor-prelu default run, end to end (XorTrainer.Run; always 1 intra-op thread) ----------------
    private static void XorDefault()
    {
        var settings = XorPreluSettings.Default;
        XorTrainer.Run(settings with { Epochs = 20 }, 1, CPU, _ => { }, CancellationToken.None);   // warm-up
        var watch = Stopwatch.StartNew();
        XorTrainer.Run(settings, 1, CPU, _ => { }, CancellationToken.None);
        Emit("xor_default_run", "s", watch.Elapsed.TotalSeconds, "s");
    }

    /// <summary>Seeds trained together (ISeedBatchedExperiment): S seeds as one program vs S runs, for the default
    /// config (1,300 rows per seed: compute-bound) and a small one (40 rows per seed: per-op overhead-bound).</summary>
    private static void XorSeeds()
    {
        XorTrainer.Run(XorPreluSettings.Default with { Epochs = 20 }, 1, CPU, _ => { }, CancellationToken.None);   // warm-up
        foreach (var (name, settings) in new[]
        {
            ("default", XorPreluSettings.Default),
            ("small", XorPreluSettings.Default with { Trials = 10, LrPoints = 4 }),
        })
        {
            var one = Time(() => XorTrainer.Run(settings, 1, CPU, _ => { }, CancellationToken.None), 0, 1);
            Emit($"xor_seeds_{name}_1_alone", "s", one, "s");
            foreach (var count in new[] { 4, 8 })
            {
                var seeds = Enumerable.Range(1, count).Select(i => (long)i).ToArray();
                var batched = Time(() => XorTrainer.RunSeeds(settings, seeds, CPU, _ => { }, CancellationToken.None), 0, 1);
                Emit(string.Create(CultureInfo.InvariantCulture, $"xor_seeds_{name}_{count}_batched"), "s", batched, "s",
                    string.Create(CultureInfo.InvariantCulture, $",\"alone_x{count}\":{one * count:R}"));
            }
        }
    }

    // ---- 4. linear-attention ICL step (IclModel from src, IclTrainer's manual Adam) -------------------------------
    private static void Icl()
    {
        var settings = IclLinRegSettings.Default;                       // d = N = 10, 1 layer, 1 head, linear, batch 512
        var model = new IclModel(settings);
        var (t, e, batch) = ((long)settings.Context + 1, (long)settings.Dim + 1, settings.Batch);
        using var theta = tensor(model.InitialParameters(1)).requires_grad_(true);
        using var m = zeros_like(theta, requires_grad: false);
        using var v = zeros_like(theta, requires_grad: false);
        // A fixed batch (the real trainer draws a fresh one in C# every step; that is data cost, not model cost).
        using var gen = new Generator(7, CPU);
        using var tokens = randn([batch, t, e], generator: gen).mul_(0.3);
        using var target = randn([batch], generator: gen);
        using var half = 0.5.ToScalar();
        using var minusOne = (-1.0).ToScalar();
        using var beta1 = 0.9.ToScalar();
        using var oneMinusBeta1 = 0.1.ToScalar();
        using var beta2 = 0.999.ToScalar();
        using var oneMinusBeta2 = 0.001.ToScalar();
        using var epsilon = 1e-8.ToScalar();
        var k = 0;
        var s = Time(() =>
        {
            using var scope = NewDisposeScope();
            var loss = model.Forward(theta, tokens).add(target, minusOne).square().mean().mul(half);
            var gradient = autograd.grad([loss], [theta])[0];
            using (no_grad())
            {
                k++;
                using var sqrtCorrection2 = Math.Sqrt(1 - Math.Pow(0.999, k)).ToScalar();
                using var minusStep = (-1e-3 / (1 - Math.Pow(0.9, k))).ToScalar();
                m.mul_(beta1).add_(gradient, oneMinusBeta1);
                v.mul_(beta2).addcmul_(gradient, gradient, oneMinusBeta2);
                var denominator = v.sqrt().div_(sqrtCorrection2).add_(epsilon);
                theta.addcdiv_(m, denominator, minusStep);
            }
            _ = loss.item<float>();
        }, 10, _quick ? 50 : 100);
        Emit("icl_linreg", "ms_per_step", s * 1e3, "ms");
    }

    // ---- 5. transformer LM step (bench-only; identical in training_bench.py) -------------------------------------
    private const int Vocab = 256, DModel = 128, Heads = 4, Context = 128, LmBatch = 32;

    private static void Lm(int layers, int iterations)
    {
        using var outer = NewDisposeScope();
        using var gen = new Generator(11, CPU);
        var ps = new List<TorchSharp.Modules.Parameter>();
        TorchSharp.Modules.Parameter P(Tensor init) { var p = new TorchSharp.Modules.Parameter(init); ps.Add(p); return p; }
        TorchSharp.Modules.Parameter Normal(params long[] shape) => P(randn(shape, generator: gen).mul_(0.02));
        TorchSharp.Modules.Parameter Zeros(params long[] shape) => P(zeros(shape));
        TorchSharp.Modules.Parameter Ones(params long[] shape) => P(ones(shape));
        const int D = DModel;
        var wte = Normal(Vocab, D);
        var wpe = Normal(Context, D);
        var blocks = Enumerable.Range(0, layers).Select(_ => new[]
        {
            Ones(D), Zeros(D), Normal(3 * D, D), Zeros(3 * D), Normal(D, D), Zeros(D),
            Ones(D), Zeros(D), Normal(4 * D, D), Zeros(4 * D), Normal(D, 4 * D), Zeros(D),
        }).ToArray();
        var lnfG = Ones(D);
        var lnfB = Zeros(D);
        var head = Normal(Vocab, D);
        using var adamw = optim.AdamW(ps, lr: 3e-4, weight_decay: 0.01);
        using var data = randint(0, Vocab, [LmBatch, Context + 1], dtype: ScalarType.Int64, generator: gen);
        using var input = data.narrow(1, 0, Context).contiguous();
        using var target = data.narrow(1, 1, Context).contiguous();
        // Additive causal mask (0 / −∞) made once: no masked_fill with an implicit scalar in the loop.
        using var mask = Detached(() => ones(Context, Context).triu(1).mul(double.NegativeInfinity).nan_to_num(0, double.NegativeInfinity));
        using var scale = (1.0 / Math.Sqrt(D / Heads)).ToScalar();
        long dh = D / Heads;

        Tensor Forward()
        {
            var x = wte.index_select(0, input.view(-1)).view(LmBatch, Context, D) + wpe;
            foreach (var b in blocks)
            {
                var h = nn.functional.layer_norm(x, [D], b[0], b[1]);
                var qkv = nn.functional.linear(h, b[2], b[3]).view(LmBatch, Context, 3, Heads, dh).permute(2, 0, 3, 1, 4);
                var (q, k, v) = (qkv[0], qkv[1], qkv[2]);                  // [B, H, T, dh]
                var att = q.matmul(k.transpose(-2, -1)).mul_(scale).add_(mask).softmax(-1);
                var y = att.matmul(v).transpose(1, 2).reshape(LmBatch, Context, D);
                x = x + nn.functional.linear(y, b[4], b[5]);
                h = nn.functional.layer_norm(x, [D], b[6], b[7]);
                x = x + nn.functional.linear(nn.functional.gelu(nn.functional.linear(h, b[8], b[9])), b[10], b[11]);
            }
            x = nn.functional.layer_norm(x, [D], lnfG, lnfB);
            var logits = nn.functional.linear(x, head);
            return nn.functional.cross_entropy(logits.view(-1, Vocab), target.view(-1));
        }

        var s = Time(() =>
        {
            using var scope = NewDisposeScope();
            var loss = Forward();
            adamw.zero_grad();
            loss.backward();
            adamw.step();
        }, 2, iterations);
        long matmulParams = (layers * 12L * D * D) + ((long)Vocab * D);
        long tokens = (long)LmBatch * Context;
        double flops = (6.0 * matmulParams * tokens) + (layers * 12.0 * LmBatch * Context * Context * D);
        var total = ps.Sum(p => p.numel());
        Emit($"lm{layers}", "ms_per_step", s * 1e3, "ms",
            string.Create(CultureInfo.InvariantCulture, $",\"tokens_per_s\":{tokens / s:R},\"gflops\":{flops / s / 1e9:R},\"flops_per_step\":{flops:R},\"params\":{total}"));
    }

    private static Tensor Detached(Func<Tensor> make)
    {
        using var scope = NewDisposeScope();
        return make().DetachFromDisposeScope();
    }
}
