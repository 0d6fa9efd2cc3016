public enum _DTLSPlaceholder {}
