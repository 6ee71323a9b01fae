"""The one place that reads the environment: every setting is a `TFP_*` variable."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TFP_", extra="ignore")

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'data' / 'tfpatterns.sqlite3'}"
    content_dir: Path = PROJECT_ROOT / "content"
    secret_key: str = Field(default="", description="Signs cookies; generated into data/ when empty.")
    admin_password: str = ""

    runner_workers: int = 2
    runner_timeout_s: float = 10.0
    runner_memory_mb: int = 2048
    runner_url: str = ""
    runner_token: str = Field(default="", description="Shared secret between the web tier and remote runners.")
    runner_queue: int = 16
    runner_output_bytes: int = 64 * 1024
    runner_processes: int = 64
    runner_rate_per_minute: int = 30
    runner_start: bool = Field(default=True, description="Start the local pool with the web app.")

    authoring: bool = Field(default=False, description="Watch content/, show drafts and lesson problems to "
                            "every visitor: for an author's own machine (`tfpatterns serve --reload`).")

    login_rate: str = Field(default="10/5minutes", description="Failed logins allowed per account from one "
                            "address, as a `limits` rule.")
    login_address_rate: str = Field(default="50/5minutes", description="Failed logins allowed per address.")
    login_account_rate: str = Field(default="100/hour", description="Failed logins for one account from "
                                    "anywhere before each attempt on it is slowed down (never refused).")
    login_slowdown_s: float = 3.0
    rate_limit_storage: str = Field(default="memory://", description="A `limits` storage URI; "
                                    "redis://host:6379 shares rate limits between web processes.")

    max_body_bytes: int = 256 * 1024
    secure_cookies: bool = False

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once and kept beside the SQLite data."""
        if self.secret_key:
            return self.secret_key
        key_file = PROJECT_ROOT / "data" / "secret_key"
        if not key_file.exists():
            import secrets

            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()
