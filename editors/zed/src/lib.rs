//! Starts `alchemy-lint lsp` for Python files: from `lsp.alchemy-lint.binary` in Zed's
//! settings when set, else the `alchemy-lint` on the project's PATH.

use zed_extension_api::{self as zed, settings::LspSettings, LanguageServerId, Result};

struct AlchemyLint;

impl zed::Extension for AlchemyLint {
    fn new() -> Self {
        AlchemyLint
    }

    fn language_server_command(
        &mut self,
        language_server_id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<zed::Command> {
        let binary = LspSettings::for_worktree(language_server_id.as_ref(), worktree)
            .ok()
            .and_then(|settings| settings.binary);
        let command = binary
            .as_ref()
            .and_then(|binary| binary.path.clone())
            .or_else(|| worktree.which("alchemy-lint"))
            .ok_or("alchemy-lint is not on PATH: run pip install '.[lsp]' in a checkout of alchemy-lint")?;
        let args = binary
            .and_then(|binary| binary.arguments)
            .unwrap_or_else(|| vec!["lsp".to_string()]);
        Ok(zed::Command {
            command,
            args,
            env: worktree.shell_env(),
        })
    }
}

zed::register_extension!(AlchemyLint);
