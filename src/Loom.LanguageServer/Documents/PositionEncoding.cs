namespace Loom.LanguageServer.Documents;

/// <summary>How the <c>character</c> of an LSP position counts: UTF-16 code units (default), UTF-8 bytes or code points.</summary>
public enum PositionEncoding
{
    Utf16,
    Utf8,
    Utf32,
}
