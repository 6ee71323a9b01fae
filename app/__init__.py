"""TF Patterns: learn TensorFlow's execution patterns by reading, answering and running."""
