# Eval file: a models module (matched by name), with infrastructure that belongs elsewhere.
from sqlalchemy import event
from sqlalchemy import create_engine as make_engine
from sqlalchemy.ext.asyncio import AsyncAttrs, async_scoped_session, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as sa_create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def create_async_engine(url: str) -> str:
    """The project's own helper of the same name, not SQLAlchemy's."""
    return url


fake_engine = create_async_engine("sqlite+aiosqlite://")
engine = sa_create_async_engine("sqlite+aiosqlite://")  # ASA501
sync_engine = make_engine("sqlite://")  # ASA501
SessionLocal = async_sessionmaker(engine)  # ASA103, ASA501
Scoped = async_scoped_session(SessionLocal, scopefunc=lambda: 0)  # ASA501


@event.listens_for(sync_engine, "connect")  # ASA501
def on_connect(dbapi_connection, record) -> None:
    dbapi_connection.execute("pragma foreign_keys=on")


def init_db(url: str) -> None:
    global engine
    engine = sa_create_async_engine(url)  # ASA501


class Base(AsyncAttrs, DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    groups: Mapped[list["Group"]] = relationship(secondary="user_groups", back_populates="users")
