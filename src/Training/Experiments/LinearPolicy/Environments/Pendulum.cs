namespace LayerLab.Training.Experiments.LinearPolicy.Environments;

/// <summary>
/// Pendulum-v1: swing a pendulum up and hold it, torque in [−2, 2]; θ̇ ← clip(θ̇ + (3g/(2l)·sin θ + 3/(ml²)·u)·dt, ±8),
/// θ ← θ + θ̇·dt (semi-implicit, dt = 0.05, g = 10); reward −(θₙ² + 0.1·θ̇² + 0.001·u²) with θₙ the angle wrapped to
/// [−π, π); 200 steps, never terminated. Gym sets no reward threshold.
/// </summary>
public sealed class Pendulum : IControlEnvironment
{
    public const double MaxSpeed = 8, MaxTorque = 2, Dt = 0.05, G = 10.0, M = 1.0, L = 1.0;

    private double _theta, _thetaDot;

    public string Key => "pendulum";
    public string GymId => "Pendulum-v1";
    public int ObservationSize => 3;
    public int ActionSize => 1;
    public bool Discrete => false;
    public double ActionBound => MaxTorque;
    public int MaxSteps => 200;
    public double? RewardThreshold => null;

    public (double Theta, double ThetaDot) State { get => (_theta, _thetaDot); set => (_theta, _thetaDot) = value; }

    public void Reset(Random random, Span<double> observation)
    {
        ArgumentNullException.ThrowIfNull(random);
        _theta = -Math.PI + (2 * Math.PI * random.NextDouble());
        _thetaDot = -1 + (2 * random.NextDouble());
        Observe(observation);
    }

    public StepResult Step(ReadOnlySpan<double> action, Span<double> observation)
    {
        var u = Math.Clamp(action[0], -MaxTorque, MaxTorque);
        var normalized = AngleNormalize(_theta);
        var cost = (normalized * normalized) + (0.1 * _thetaDot * _thetaDot) + (0.001 * u * u);
        var newThetaDot = _thetaDot + ((((3 * G) / (2 * L)) * Math.Sin(_theta)) + ((3.0 / (M * L * L)) * u)) * Dt;
        newThetaDot = Math.Clamp(newThetaDot, -MaxSpeed, MaxSpeed);
        _theta += newThetaDot * Dt;
        _thetaDot = newThetaDot;
        Observe(observation);
        return new StepResult(-cost, false);
    }

    /// <summary>Gym's angle_normalize: ((x + π) mod 2π) − π, with a floored modulo.</summary>
    public static double AngleNormalize(double x)
    {
        var m = (x + Math.PI) % (2 * Math.PI);
        if (m < 0) m += 2 * Math.PI;
        return m - Math.PI;
    }

    private void Observe(Span<double> o) { o[0] = Math.Cos(_theta); o[1] = Math.Sin(_theta); o[2] = _thetaDot; }
}
