from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, or_, select

from hub.errors import InvalidInput, NotFound
from schemas.api import OrganisationCreate
from schemas.codes import OrganisationKind

from ..scope import Scope
from ..tables import Organisation
from .base import Repo


class OrganisationRepo(Repo):
    async def get(self, scope: Scope, *, organisation_id: int) -> Organisation:
        if organisation_id == scope.organisation_id:
            org = await self.session.get(Organisation, organisation_id)
        else:
            org = (
                await self.session.exec(
                    select(Organisation).where(
                        Organisation.id == organisation_id, scope.site_clause(Organisation.id)
                    )
                )
            ).first()
        if org is None:
            raise NotFound("No such organisation")
        return org

    async def by_ods(self, scope: Scope, *, ods_code: str) -> Organisation:
        org = (
            await self.session.exec(
                select(Organisation).where(
                    Organisation.ods_code == ods_code.upper(),
                    or_(
                        col(Organisation.id) == scope.organisation_id,
                        scope.site_clause(Organisation.id),
                    ),
                )
            )
        ).first()
        if org is None:
            raise NotFound(f"No organisation with ODS code {ods_code}", field="ods_code")
        return org

    async def sites(self, scope: Scope) -> Sequence[Organisation]:
        site_kinds = [k.value for k in OrganisationKind if k.is_site]
        return (
            await self.session.exec(
                select(Organisation)
                .where(col(Organisation.kind).in_(site_kinds), scope.site_clause(Organisation.id))
                .order_by(Organisation.name)
            )
        ).all()

    async def create(self, scope: Scope, data: OrganisationCreate) -> Organisation:
        scope.require_admin()
        exists = (
            await self.session.exec(
                select(Organisation).where(Organisation.ods_code == data.ods_code)
            )
        ).first()
        if exists is not None:
            raise InvalidInput(f"ODS code {data.ods_code} is already registered", field="ods_code")
        commissioner_id = None
        if data.commissioner_ods:
            commissioner = await self.by_ods(scope, ods_code=data.commissioner_ods)
            if commissioner.kind != OrganisationKind.COMMISSIONER:
                raise InvalidInput("Not a commissioner", field="commissioner_ods")
            commissioner_id = commissioner.id
        elif data.kind.is_site:
            raise InvalidInput("Every site belongs to a commissioner", field="commissioner_ods")
        org = Organisation(
            ods_code=data.ods_code,
            name=data.name,
            kind=data.kind.value,
            commissioner_id=commissioner_id,
            registered_beds=data.registered_beds,
            go_live=data.go_live,
            created_at=self.clock.now(),
        )
        self.session.add(org)
        await self.session.flush()
        return org
