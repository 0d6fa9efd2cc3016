public enum _DTLSCryptoPlaceholder {}
