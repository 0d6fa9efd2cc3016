public enum _OpenSSLReferencePlaceholder {}
