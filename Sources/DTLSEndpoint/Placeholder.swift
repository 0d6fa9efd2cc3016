public enum _EndpointPlaceholder {}
