namespace LayerLab.Training.Experiments.LinearPolicy.Environments;

/// <summary>
/// Acrobot-v1 (Sutton 1996; the "book" dynamics Gym uses): two links, torque −1, 0 or +1 on the joint between them;
/// one RK4 step of dt = 0.2 s per action; angles wrapped to [−π, π], velocities bounded by 4π and 9π. Reward −1 per
/// step until the tip rises one link above the pivot (−cos θ₁ − cos(θ₁ + θ₂) &gt; 1, reward 0 then); 500 steps.
/// Solved at −100.
/// </summary>
public sealed class Acrobot : IControlEnvironment
{
    public const double Dt = 0.2, L1 = 1.0, M1 = 1.0, M2 = 1.0, Lc1 = 0.5, Lc2 = 0.5, I1 = 1.0, I2 = 1.0, G = 9.8;
    public const double MaxVel1 = 4 * Math.PI, MaxVel2 = 9 * Math.PI;
    private static readonly double[] Torques = [-1.0, 0.0, 1.0];

    private readonly double[] _s = new double[4];

    public string Key => "acrobot";
    public string GymId => "Acrobot-v1";
    public int ObservationSize => 6;
    public int ActionSize => 3;
    public bool Discrete => true;
    public double ActionBound => 1;
    public int MaxSteps => 500;
    public double? RewardThreshold => -100;

    /// <summary>(θ₁, θ₂, θ̇₁, θ̇₂), for tests.</summary>
    public double[] State => _s;

    public void Reset(Random random, Span<double> observation)
    {
        ArgumentNullException.ThrowIfNull(random);
        for (var i = 0; i < 4; i++) _s[i] = -0.1 + (0.2 * random.NextDouble());
        Observe(observation);
    }

    public StepResult Step(ReadOnlySpan<double> action, Span<double> observation)
    {
        var torque = Torques[Math.Clamp((int)action[0], 0, 2)];
        Rk4(_s, torque, Dt);
        _s[0] = Wrap(_s[0], -Math.PI, Math.PI);
        _s[1] = Wrap(_s[1], -Math.PI, Math.PI);
        _s[2] = Math.Clamp(_s[2], -MaxVel1, MaxVel1);
        _s[3] = Math.Clamp(_s[3], -MaxVel2, MaxVel2);
        Observe(observation);
        var terminated = -Math.Cos(_s[0]) - Math.Cos(_s[1] + _s[0]) > 1.0;
        return new StepResult(terminated ? 0.0 : -1.0, terminated);
    }

    /// <summary>One classical Runge–Kutta step of size <paramref name="dt"/> with the torque held (Gym's rk4 over [0, dt]).</summary>
    public static void Rk4(double[] s, double torque, double dt)
    {
        ArgumentNullException.ThrowIfNull(s);
        Span<double> k1 = stackalloc double[4], k2 = stackalloc double[4], k3 = stackalloc double[4], k4 = stackalloc double[4];
        Span<double> y = stackalloc double[4];
        Derivatives(s, torque, k1);
        for (var i = 0; i < 4; i++) y[i] = s[i] + (dt / 2 * k1[i]);
        Derivatives(y, torque, k2);
        for (var i = 0; i < 4; i++) y[i] = s[i] + (dt / 2 * k2[i]);
        Derivatives(y, torque, k3);
        for (var i = 0; i < 4; i++) y[i] = s[i] + (dt * k3[i]);
        Derivatives(y, torque, k4);
        for (var i = 0; i < 4; i++) s[i] += dt / 6.0 * (k1[i] + (2 * k2[i]) + (2 * k3[i]) + k4[i]);
    }

    /// <summary>d/dt (θ₁, θ₂, θ̇₁, θ̇₂) under the "book" equations of motion.</summary>
    public static void Derivatives(ReadOnlySpan<double> s, double a, Span<double> ds)
    {
        var (theta1, theta2, dtheta1, dtheta2) = (s[0], s[1], s[2], s[3]);
        var d1 = (M1 * Lc1 * Lc1) + (M2 * ((L1 * L1) + (Lc2 * Lc2) + (2 * L1 * Lc2 * Math.Cos(theta2)))) + I1 + I2;
        var d2 = (M2 * ((Lc2 * Lc2) + (L1 * Lc2 * Math.Cos(theta2)))) + I2;
        var phi2 = M2 * Lc2 * G * Math.Cos(theta1 + theta2 - (Math.PI / 2.0));
        var phi1 = (-M2 * L1 * Lc2 * dtheta2 * dtheta2 * Math.Sin(theta2))
                   - (2 * M2 * L1 * Lc2 * dtheta2 * dtheta1 * Math.Sin(theta2))
                   + (((M1 * Lc1) + (M2 * L1)) * G * Math.Cos(theta1 - (Math.PI / 2)))
                   + phi2;
        var ddtheta2 = (a + (d2 / d1 * phi1) - (M2 * L1 * Lc2 * dtheta1 * dtheta1 * Math.Sin(theta2)) - phi2)
                       / ((M2 * Lc2 * Lc2) + I2 - (d2 * d2 / d1));
        var ddtheta1 = -((d2 * ddtheta2) + phi1) / d1;
        ds[0] = dtheta1; ds[1] = dtheta2; ds[2] = ddtheta1; ds[3] = ddtheta2;
    }

    /// <summary>Gym's wrap: shifts by whole periods into [min, max].</summary>
    public static double Wrap(double x, double min, double max)
    {
        var diff = max - min;
        while (x > max) x -= diff;
        while (x < min) x += diff;
        return x;
    }

    private void Observe(Span<double> o)
    {
        o[0] = Math.Cos(_s[0]); o[1] = Math.Sin(_s[0]); o[2] = Math.Cos(_s[1]); o[3] = Math.Sin(_s[1]); o[4] = _s[2]; o[5] = _s[3];
    }
}
