// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title EcoPulse impact registry
/// @notice Public record of impact credits retired for sponsors. One credit is
/// one kilogram of litter removed by cleanups a city verified (by photos and,
/// where needed, a reviewer) and estimated by category. It is not a carbon
/// credit and certifies no tonnes of CO2.
/// @dev Request id convention: `requestId = keccak256(bytes(requestUuid))`,
/// where `requestUuid` is the credit request's UUID as its canonical string
/// (lowercase, hyphenated). `cleanupsHash` is the SHA-256 of the allocated
/// cleanups' submission ids, sorted and joined by "\n". A request is retired
/// once: a second retirement under the same id reverts, so a retried issue
/// reads the first one back instead of retiring twice.
contract ImpactRegistry is AccessControl {
    bytes32 public constant RETIRER_ROLE = keccak256("RETIRER_ROLE");

    struct Retirement {
        address sponsor;
        uint256 amount;
        bytes32 cleanupsHash;
        uint64 blockNumber;
        uint64 timestamp;
    }

    /// @notice The retirement recorded under each request id (blockNumber 0: none).
    mapping(bytes32 requestId => Retirement) private _retirements;

    event Retired(address indexed sponsor, bytes32 indexed requestId, uint256 amount, bytes32 cleanupsHash);

    error AlreadyRetired(bytes32 requestId);
    error NothingToRetire();

    constructor(address admin, address retirer) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (retirer != address(0)) {
            _grantRole(RETIRER_ROLE, retirer);
        }
    }

    /// @notice Retires `amount` credits for `sponsor` under `requestId`, once.
    function retire(address sponsor, bytes32 requestId, uint256 amount, bytes32 cleanupsHash)
        external
        onlyRole(RETIRER_ROLE)
    {
        if (amount == 0 || cleanupsHash == bytes32(0)) revert NothingToRetire();
        if (_retirements[requestId].blockNumber != 0) revert AlreadyRetired(requestId);
        _retirements[requestId] =
            Retirement(sponsor, amount, cleanupsHash, uint64(block.number), uint64(block.timestamp));
        emit Retired(sponsor, requestId, amount, cleanupsHash);
    }

    /// @notice The retirement under `requestId`; every field is zero when there is none.
    function retirementOf(bytes32 requestId) external view returns (Retirement memory) {
        return _retirements[requestId];
    }
}
