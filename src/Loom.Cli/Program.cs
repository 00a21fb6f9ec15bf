using Loom.Cli;

Console.OutputEncoding = System.Text.Encoding.UTF8;
return await LoomCli.RunAsync(args);
