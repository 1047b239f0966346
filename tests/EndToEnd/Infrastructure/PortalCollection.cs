namespace LayerLab.Tests.EndToEnd.Infrastructure;

/// <summary>Portal tests run one at a time: each starts real processes and trains on a 2-core machine.</summary>
[CollectionDefinition(Name)]
public sealed class PortalCollection
{
    public const string Name = "portal";
}
