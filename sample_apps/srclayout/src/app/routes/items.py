from fastapi import APIRouter, HTTPException

router = APIRouter(prefix="/items")

ITEMS = {1: "anchor", 2: "compass", 3: "sextant"}


@router.get("/{item_id}")
async def item(item_id: int) -> dict[str, object]:
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="no such item")
    return {"id": item_id, "name": ITEMS[item_id]}
