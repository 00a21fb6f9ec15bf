using System.Text.Json.Serialization;

namespace Loom.LanguageServer.Protocol;

/// <summary>Compile-time serialization of the <c>initialize</c> answer, so the first reply needs no reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InitializeResult))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext
{
}
