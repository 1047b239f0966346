namespace LayerLab.Training.Experiments.LinearPolicy.Environments;

/// <summary>
/// MountainCarContinuous-v0: an underpowered car in a valley, force in [−1, 1]; v ← clip(v + 0.0015·f − 0.0025·cos 3x,
/// ±0.07), x ← clip(x + v, −1.2, 0.6) (v = 0 when stopped at the left wall); done at x ≥ 0.45 with v ≥ 0 (+100);
/// every step costs 0.1·f²; 999 steps. Solved at 90.
/// </summary>
public sealed class MountainCarContinuous : IControlEnvironment
{
    public const double MinPosition = -1.2, MaxPosition = 0.6, MaxSpeed = 0.07, GoalPosition = 0.45, GoalVelocity = 0, Power = 0.0015;

    private double _position, _velocity;

    public string Key => "mountaincar";
    public string GymId => "MountainCarContinuous-v0";
    public int ObservationSize => 2;
    public int ActionSize => 1;
    public bool Discrete => false;
    public double ActionBound => 1;
    public int MaxSteps => 999;
    public double? RewardThreshold => 90;

    public (double Position, double Velocity) State { get => (_position, _velocity); set => (_position, _velocity) = value; }

    public void Reset(Random random, Span<double> observation)
    {
        ArgumentNullException.ThrowIfNull(random);
        _position = -0.6 + (0.2 * random.NextDouble());
        _velocity = 0;
        Observe(observation);
    }

    public StepResult Step(ReadOnlySpan<double> action, Span<double> observation)
    {
        var force = Math.Clamp(action[0], -1.0, 1.0);
        _velocity += (force * Power) - (0.0025 * Math.Cos(3 * _position));
        _velocity = Math.Clamp(_velocity, -MaxSpeed, MaxSpeed);
        _position += _velocity;
        _position = Math.Clamp(_position, MinPosition, MaxPosition);
        if (_position == MinPosition && _velocity < 0) _velocity = 0;
        var terminated = _position >= GoalPosition && _velocity >= GoalVelocity;
        var reward = (terminated ? 100.0 : 0.0) - (force * force * 0.1);
        Observe(observation);
        return new StepResult(reward, terminated);
    }

    private void Observe(Span<double> o) { o[0] = _position; o[1] = _velocity; }
}
