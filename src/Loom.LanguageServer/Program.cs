using Loom.LanguageServer.Handlers;
using Loom.LanguageServer.Server;

// stdout carries protocol messages only: anything printed by accident goes to stderr instead.
var stdout = Console.OpenStandardOutput();
var stderr = Console.Error;
Console.SetOut(stderr);

var options = ServerOptions.Parse(args, Environment.GetEnvironmentVariable, out var error);
if (options is null)
{
    stderr.WriteLine($"loom-language-server: {error}");
    stderr.WriteLine(ServerOptions.Usage);
    return 2;
}
if (options.ShowVersion)
{
    using var writer = new StreamWriter(stdout);
    writer.WriteLine($"loom-language-server {InitializeHandler.Version}");
    return 0;
}
if (options.ShowHelp)
{
    using var writer = new StreamWriter(stdout);
    writer.WriteLine(ServerOptions.Usage);
    return 0;
}

using var host = new LanguageServerHost(options, Console.OpenStandardInput(), stdout, stderr);
return await host.RunAsync();
