//! Tests of the Markdown reader.
