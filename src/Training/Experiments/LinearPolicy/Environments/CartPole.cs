namespace LayerLab.Training.Experiments.LinearPolicy.Environments;

/// <summary>
/// CartPole-v1 (Barto, Sutton and Anderson 1983, as Gym writes it): a pole hinged on a cart, pushed left or right with
/// 10 N; explicit Euler with τ = 0.02 s; the episode ends when |x| &gt; 2.4 or |θ| &gt; 12°, or after 500 steps.
/// Reward 1 for every step taken, the last one included. Solved at 475.
/// </summary>
public sealed class CartPole : IControlEnvironment
{
    public const double Gravity = 9.8, MassCart = 1.0, MassPole = 0.1, TotalMass = MassCart + MassPole;
    /// <summary>Half the pole's length (Gym calls it "length").</summary>
    public const double HalfLength = 0.5, PoleMassLength = MassPole * HalfLength, ForceMag = 10.0, Tau = 0.02;
    public const double ThetaThreshold = 12 * 2 * Math.PI / 360, XThreshold = 2.4;

    private double _x, _xDot, _theta, _thetaDot;

    public string Key => "cartpole";
    public string GymId => "CartPole-v1";
    public int ObservationSize => 4;
    public int ActionSize => 2;
    public bool Discrete => true;
    public double ActionBound => 1;
    public int MaxSteps => 500;
    public double? RewardThreshold => 475;

    /// <summary>The state (x, ẋ, θ, θ̇), for tests and the LQR reference.</summary>
    public (double X, double XDot, double Theta, double ThetaDot) State
    {
        get => (_x, _xDot, _theta, _thetaDot);
        set => (_x, _xDot, _theta, _thetaDot) = value;
    }

    public void Reset(Random random, Span<double> observation)
    {
        ArgumentNullException.ThrowIfNull(random);
        _x = Uniform(random); _xDot = Uniform(random); _theta = Uniform(random); _thetaDot = Uniform(random);
        Observe(observation);
    }

    public StepResult Step(ReadOnlySpan<double> action, Span<double> observation)
    {
        var force = action[0] >= 0.5 ? ForceMag : -ForceMag;
        var (cos, sin) = (Math.Cos(_theta), Math.Sin(_theta));
        var temp = (force + (PoleMassLength * _thetaDot * _thetaDot * sin)) / TotalMass;
        var thetaAcc = ((Gravity * sin) - (cos * temp)) / (HalfLength * ((4.0 / 3.0) - (MassPole * cos * cos / TotalMass)));
        var xAcc = temp - (PoleMassLength * thetaAcc * cos / TotalMass);
        // Gym's "euler": positions move with the old velocities.
        _x += Tau * _xDot;
        _xDot += Tau * xAcc;
        _theta += Tau * _thetaDot;
        _thetaDot += Tau * thetaAcc;
        Observe(observation);
        var terminated = _x < -XThreshold || _x > XThreshold || _theta < -ThetaThreshold || _theta > ThetaThreshold;
        return new StepResult(1.0, terminated);
    }

    private void Observe(Span<double> o) { o[0] = _x; o[1] = _xDot; o[2] = _theta; o[3] = _thetaDot; }

    private static double Uniform(Random random) => -0.05 + (0.1 * random.NextDouble());
}
