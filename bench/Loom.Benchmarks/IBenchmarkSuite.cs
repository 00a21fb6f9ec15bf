namespace Loom.Benchmarks;

/// <summary>One named group of measurements, found by reflection by Program.cs.</summary>
public interface IBenchmarkSuite
{
    string Name { get; }

    string Description { get; }

    Task<int> RunAsync(string[] args);
}
