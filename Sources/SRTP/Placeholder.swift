public enum _SRTPPlaceholder {}
