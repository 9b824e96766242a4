//! `plan`: the 16 portal steps and what the wizard does instead of each.

use crate::context::Context;
use crate::render;

pub fn plan(context: &Context) -> String {
    if context.args.json {
        render::plan_json()
    } else {
        render::plan_text()
    }
}
