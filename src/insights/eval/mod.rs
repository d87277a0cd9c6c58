//! What a query computes: values, and the functions and aggregates that make them from the
//! fields of an event. Nothing here knows the query's text.
//!
//! | module | owns |
//! |---|---|
//! | [`value`] | the loosely typed values of a query: how they compare, compute, group and print |
//! | [`calendar`] | epoch milliseconds to and from civil dates in UTC; how times print and read |
//! | [`duration`] | periods (`5m`, `1mo`) and where a time falls in one |
//! | [`aggregates`] | the aggregate functions of `stats`, fed per record and merged across inputs |
//! | [`registry`] | every function's name, kind and arity |
//! | [`fields`] | the fields of an event as Logs Insights names them, read lazily in one pass |
//! | [`functions`] | the scalar functions, looked up by name once and called per record |

pub mod aggregates;
pub mod calendar;
pub mod duration;
pub mod fields;
pub mod functions;
pub mod registry;
pub mod value;
