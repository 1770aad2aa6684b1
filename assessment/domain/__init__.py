"""Pure domain logic: imports only the standard library, numpy, scipy, scikit-learn, yaml and jsonschema."""
