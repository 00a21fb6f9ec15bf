using System.Reflection;
using Loom.Benchmarks;

// Each benchmark suite is a class implementing IBenchmarkSuite; `dotnet run -c Release --project bench/Loom.Benchmarks -- NAME`.
var suites = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmarkSuite).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface)
    .Select(t => (IBenchmarkSuite)Activator.CreateInstance(t)!)
    .OrderBy(s => s.Name, StringComparer.Ordinal)
    .ToList();

var name = args.FirstOrDefault();
var suite = suites.FirstOrDefault(s => s.Name == name);
if (suite is null)
{
    Console.Error.WriteLine("usage: Loom.Benchmarks <suite> [options]");
    foreach (var s in suites)
    {
        Console.Error.WriteLine($"  {s.Name,-12} {s.Description}");
    }
    return 2;
}
return await suite.RunAsync(args.Skip(1).ToArray());
